import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type ApprovalDecision, AUTONOMY_SUGGEST_AFTER } from "../contract/approvals.ts";
import worker from "../index.ts";
import { MAX_ANNOUNCED_PENDING } from "../objects/employee-approvals.ts";
import {
  accountLive,
  approvalsOf,
  askApproval,
  decide,
  listed,
  teamWithRunningEmployee,
} from "./approvals-helpers.ts";
import { connectTelegram, receive, sentTexts, telegramMessage } from "./channels-inbox-helpers.ts";
import { accept, progress, until } from "./chat-helpers.ts";
import { api, auditOf, employee, errorOf, mailbox, removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// What happens to an approval after it is asked (issue 18): it expires (the cron), OpenClaw
// settles it itself, OpenClaw no longer holds it when a person decides; it is announced to the
// people who may decide and in the channel it came from; and the employee's autonomy reaches
// its agent.

async function runCron(at = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: at }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("an approval's life", () => {
  it("expires by the cron once past its time, and viewers see it", async () => {
    const w = await teamWithRunningEmployee("apr-expiry");
    const live = await accountLive(w.team.owner.cookie);
    const asked = askApproval(w, { expiresInMs: 300 });
    const row = await listed(w.team.owner.cookie, asked.command);
    await new Promise((r) => setTimeout(r, 400));
    // Past its time a decision is refused, even before the cron ran.
    const late = await decide(w.team.owner.cookie, row.id, { decision: "allow-once" });
    expect(late.status).toBe(409);
    expect((await errorOf(late)).code).toBe("approval_decided");
    await runCron();
    const [after] = await approvalsOf(w.team.owner.cookie, "?status=all");
    expect(after).toMatchObject({ id: row.id, status: "expired", decision: null, decidedBy: null });
    expect(await approvalsOf(w.team.owner.cookie)).toEqual([]);
    await until(() => live.approvals((a) => a.status === "expired").length > 0, "pushed");
    expect(w.agent.received.filter((f) => f.type === "approval.resolve")).toHaveLength(0);
    live.ws.close();
  });

  it("records what OpenClaw settled itself, unless a person was first", async () => {
    const w = await teamWithRunningEmployee("apr-resolved");
    const live = await accountLive(w.team.owner.cookie);
    const a = askApproval(w, { command: "ls a" });
    const b = askApproval(w, { command: "ls b" });
    await listed(w.team.owner.cookie, a.command);
    await listed(w.team.owner.cookie, b.command);
    const resolved = (approvalId: string, decision: ApprovalDecision, expired: boolean) =>
      w.agent.send({
        type: "approval.resolved",
        employeeId: w.employeeId,
        containerId: null,
        approvalId,
        decision,
        expired,
      });
    resolved(a.approvalId, "allow-always", false);
    resolved(b.approvalId, "deny", true);
    await until(
      () => live.approvals((x) => x.status !== "pending").length === 2,
      "both settled, live",
    );
    const all = await approvalsOf(w.team.owner.cookie, "?status=all");
    const by = (cmd: string) => all.find((x) => x.details.command === cmd);
    expect(by(a.command)).toMatchObject({ status: "allowed", decision: "allow-always" });
    expect(by(b.command)).toMatchObject({ status: "expired", decision: null });
    // Settled again (a repeat, or a late event): nothing changes.
    resolved(a.approvalId, "deny", false);
    await new Promise((r) => setTimeout(r, 200));
    expect(
      (await approvalsOf(w.team.owner.cookie, "?status=all")).find(
        (x) => x.details.command === a.command,
      )?.status,
    ).toBe("allowed");
    live.ws.close();
  });

  it("reads as expired when OpenClaw no longer holds it (approval_not_found)", async () => {
    const w = await teamWithRunningEmployee("apr-gone");
    const live = await accountLive(w.team.owner.cookie);
    const asked = askApproval(w);
    const row = await listed(w.team.owner.cookie, asked.command);
    expect((await decide(w.team.owner.cookie, row.id, { decision: "allow-once" })).status).toBe(
      200,
    );
    const resolve = await w.agent.next("approval.resolve");
    w.agent.send({
      type: "result",
      id: resolve.id,
      ok: false,
      error: { code: "approval_not_found", message: "unknown approval id", retryable: false },
    });
    await until(() => live.approvals((a) => a.status === "expired").length > 0, "pushed");
    const [after] = await approvalsOf(w.team.owner.cookie, "?status=all");
    // Who decided stays on record; the decision did not take effect.
    expect(after).toMatchObject({ status: "expired", decidedBy: w.team.owner.email });
    live.ws.close();
  });

  it("is announced by email to everyone who may decide, with a link to it", async () => {
    const w = await teamWithRunningEmployee("apr-mail");
    const asked = askApproval(w, { command: "rm <b>important</b>.txt" });
    const row = await listed(w.team.owner.cookie, asked.command);
    const link = `http://localhost:8787/approvals?focus=${row.id}`;
    for (const who of [w.team.owner, w.team.admin]) {
      await until(
        async () => (await mailbox(who.email)).some((m) => m.link === link),
        `the email to ${who.email}`,
      );
    }
    const [mail] = (await mailbox(w.team.owner.email)).filter((m) => m.link === link);
    expect(mail?.subject).toContain("Ada asks to run a command");
    expect(mail?.text).toContain(asked.command);
    // A member without the grant is not written to; granted, they are for the next one.
    expect((await mailbox(w.team.member.email)).some((m) => m.link?.includes("/approvals"))).toBe(
      false,
    );
    await api(`/api/team/members/${w.team.member.userId}`, {
      method: "PATCH",
      cookie: w.team.owner.cookie,
      json: { canApprove: true },
    });
    const next = askApproval(w, { command: "echo granted" });
    const nextRow = await listed(w.team.owner.cookie, next.command);
    await until(
      async () =>
        (await mailbox(w.team.member.email)).some((m) => m.link?.endsWith(`focus=${nextRow.id}`)),
      "the email to the granted member",
    );
    expect((await mailbox(w.team.stranger.email)).some((m) => m.link?.includes("/approvals"))).toBe(
      false,
    );
  });

  it("announces at most MAX_ANNOUNCED_PENDING waiting requests of one employee", async () => {
    const w = await teamWithRunningEmployee("apr-flood");
    const asked = Array.from({ length: MAX_ANNOUNCED_PENDING + 2 }, (_, i) =>
      askApproval(w, { command: `echo flood ${i}` }),
    );
    for (const a of asked) await listed(w.team.owner.cookie, a.command);
    expect(await approvalsOf(w.team.owner.cookie)).toHaveLength(MAX_ANNOUNCED_PENDING + 2);
    const announced = async () =>
      (await mailbox(w.team.owner.email)).filter((m) => m.link?.includes("/approvals?focus="));
    await until(async () => (await announced()).length === MAX_ANNOUNCED_PENDING, "the emails");
    await new Promise((r) => setTimeout(r, 300));
    expect(await announced()).toHaveLength(MAX_ANNOUNCED_PENDING);
  });

  it("names the channel conversation that asked and says so in that channel", async () => {
    const w = await teamWithRunningEmployee("apr-channel");
    const ch = await connectTelegram(w.employeeId, { policy: "anyone", noticeAfterSeconds: null });
    await receive(w.employeeId, ch.channelId, telegramMessage({ text: "Clean up the reports" }));
    const frame = await w.agent.next("chat.send");
    accept(w.agent, frame);
    const asked = askApproval(w, { sessionKey: frame.sessionKey, command: "rm -r reports" });
    const row = await listed(w.team.owner.cookie, asked.command);
    const conversationId = frame.sessionKey.split(":").pop();
    expect(row).toMatchObject({ conversationId, scheduleId: null });
    expect(row.conversationTitle).toBeTruthy();
    await until(
      async () => (await sentTexts(ch.token)).some((t) => t.includes(`focus=${row.id}`)),
      "the line in the channel",
    );
    const line = (await sentTexts(ch.token)).find((t) => t.includes(`focus=${row.id}`));
    expect(line).toContain("rm -r reports");
    progress(w.agent, w.employeeId, frame.runId, { state: "final", text: "Waiting for approval." });
    // A web chat's or an unknown session: no conversation, no channel line.
    const other = askApproval(w, { sessionKey: `agent:main:web:${crypto.randomUUID()}` });
    expect((await listed(w.team.owner.cookie, other.command)).conversationId).toBeNull();
  });

  it("maps a scheduled run's session to its task", async () => {
    const w = await teamWithRunningEmployee("apr-schedule");
    const scheduleId = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO schedules (id, account_id, employee_id, title, prompt, cron, time_zone, created_at, updated_at)
       VALUES (?1, ?2, ?3, 'Reports', 'Tidy the reports', '0 9 * * 1-5', 'Europe/Berlin', ?4, ?4)`,
    )
      .bind(scheduleId, w.team.accountId, w.employeeId, Date.now())
      .run();
    const asked = askApproval(w, { sessionKey: `agent:main:cron:iw:${scheduleId}:run:1` });
    expect(await listed(w.team.owner.cookie, asked.command)).toMatchObject({
      scheduleId,
      conversationId: null,
    });
    // Another employee's task id is only a claim: not taken.
    const foreign = askApproval(w, { sessionKey: `iw:${crypto.randomUUID()}`, command: "ls x" });
    expect((await listed(w.team.owner.cookie, foreign.command)).scheduleId).toBeNull();
  });
});

describe("autonomy", () => {
  it("starts at ask; a change is audited and reaches the agent in employee.configure", async () => {
    const w = await teamWithRunningEmployee("apr-autonomy");
    expect((await employee(w.team.owner.cookie, w.employeeId)).autonomy).toBe("ask");
    const patch = (cookie: string, json: unknown) =>
      api(`/api/employees/${w.employeeId}`, { method: "PATCH", cookie, json });
    expect((await patch(w.team.member.cookie, { autonomy: "autonomous" })).status).toBe(403);
    expect((await patch(w.team.admin.cookie, { autonomy: "yolo" })).status).toBe(400);
    const res = await patch(w.team.admin.cookie, { autonomy: "risky" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { employee: { autonomy: string } }).employee.autonomy).toBe(
      "risky",
    );
    const configure = await w.agent.next("employee.configure");
    expect(configure.spec.autonomy).toBe("risky");
    const [audit] = await auditOf(w.team.accountId, "employee.autonomy");
    expect(audit).toMatchObject({
      actorEmail: w.team.admin.email,
      detail: { from: "ask", to: "risky" },
    });
    // Working hours and minutes saved are stored and shown; minutes saved are the owner's.
    const hours = {
      days: [1, 2, 3, 4, 5],
      start: "09:00",
      end: "17:00",
      timeZone: "Europe/Berlin",
    };
    expect((await patch(w.team.admin.cookie, { workingHours: hours })).status).toBe(200);
    const minutes = { chat: 5, channel: 5, schedule: 30, heartbeat: 1 };
    expect((await patch(w.team.admin.cookie, { minutesSaved: minutes })).status).toBe(403);
    expect((await patch(w.team.owner.cookie, { minutesSaved: minutes })).status).toBe(200);
    expect(await employee(w.team.member.cookie, w.employeeId)).toMatchObject({
      autonomy: "risky",
      workingHours: hours,
      minutesSaved: minutes,
      autonomySuggestion: null,
    });
  });

  it("suggests the next level after a run of approvals all allowed", async () => {
    const w = await teamWithRunningEmployee("apr-suggest");
    for (let i = 0; i < AUTONOMY_SUGGEST_AFTER; i++) {
      const asked = askApproval(w, { command: `echo ${i}` });
      const row = await listed(w.team.owner.cookie, asked.command);
      expect((await decide(w.team.owner.cookie, row.id, { decision: "allow-once" })).status).toBe(
        200,
      );
      if (i === AUTONOMY_SUGGEST_AFTER - 2)
        expect((await employee(w.team.owner.cookie, w.employeeId)).autonomySuggestion).toBeNull();
    }
    expect((await employee(w.team.owner.cookie, w.employeeId)).autonomySuggestion).toEqual({
      level: "risky",
      approvedInARow: AUTONOMY_SUGGEST_AFTER,
    });
    // One denial ends the run.
    const denied = askApproval(w, { command: "echo no" });
    const row = await listed(w.team.owner.cookie, denied.command);
    await decide(w.team.owner.cookie, row.id, { decision: "deny" });
    expect((await employee(w.team.owner.cookie, w.employeeId)).autonomySuggestion).toBeNull();
  });
});
