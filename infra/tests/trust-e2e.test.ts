// Trust and proof (issue 18), end to end: the real OpenClaw image placed by the real node agent,
// its model calls answered by the development model through the edge's LLM gateway (priced), the
// edge under wrangler dev. The development model's `!tool exec {"command": …}` makes OpenClaw
// call its exec tool; in "ask" autonomy OpenClaw asks first, the agent hands the request to the
// edge, the team's inbox and the account's live socket show it, and a decision goes back to
// OpenClaw. A schedule fires in OpenClaw's own automations; its run and every chat turn land in
// the work ledger, and the week's report card adds the ledger up.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalView } from "../../edge/contract/approvals.ts";
import type { WorkEntryView } from "../../edge/contract/ledger.ts";
import { root, sleep } from "./stack.ts";
import {
  ANSWER_MS,
  answer,
  approvalById,
  commandOf,
  execMessage,
  inContainer,
  ledgerBetween,
  listed,
  member,
  READY_MS,
  say,
  startTrustStack,
  sums,
  TEST_APPROVAL_TIMEOUT_MS,
  type TrustStack,
  word,
} from "./trust-journey.ts";

const NETWORK = "instantworker-trust-e2e";
// How long after OpenClaw asks its request may take to reach the inbox and the live socket.
const ASK_TO_INBOX_MS = 1_000;

let t: TrustStack;
let ada: string;
const timings: string[] = [];
// The conversations of the journeys, for the ledger's check: what each turn needed.
const turns: Record<string, string> = {};

beforeAll(async () => {
  t = await startTrustStack(NETWORK);
  ada = t.employeeId;
  timings.push(`hire → running: ${t.hireMs} ms`);
}, READY_MS + 300_000);

afterAll(async () => {
  if (t) {
    mkdirSync(path.join(root, "test-results"), { recursive: true });
    writeFileSync(path.join(root, "test-results/trust-e2e-edge.log"), t.stack.edgeLogs.join(""));
    writeFileSync(
      path.join(root, "test-results/trust-e2e-agent.log"),
      t.stack.agent.logs.join("\n"),
    );
  }
  if (timings.length) console.log(`trust e2e timings:\n  ${timings.join("\n  ")}`);
  await t?.stop();
});

// A command whose output only running it can give: printf joins what its text keeps apart. (No
// shell expansion: OpenClaw refuses to ask about what it cannot bind, e.g. `$((6*7))`, with
// "SYSTEM_RUN_DENIED: approval cannot safely bind this command".)
const proof = (w: string) => `printf %s-%s 42 ${w}`;
const ran = (w: string) => `42-${w}`;

const decide = (
  client: TrustStack["owner"],
  id: string,
  decision: "allow-once" | "allow-always" | "deny",
  reason?: string,
) =>
  client.api(`/api/approvals/${id}`, {
    method: "POST",
    json: reason === undefined ? { decision } : { decision, reason },
  });

/** Sends the exec message and waits for its request in the inbox and on the live socket. */
async function asked(w: string) {
  const sent = await say(t.owner, ada, execMessage(proof(w)));
  turns[w] = sent.conversationId;
  const mine = (a: ApprovalView) => a.employeeId === ada && commandOf(a).includes(w);
  const [pushed, inbox] = await Promise.all([
    t.live.approval(mine, ANSWER_MS).catch((err: Error) => {
      throw new Error(`${err.message}\n${t.logs()}`);
    }),
    listed(t.owner, mine, ANSWER_MS),
  ]);
  return { sent, pushed, inbox, approval: inbox.approval };
}

describe("trust: approvals, autonomy, scheduled work, the ledger and its report card", {
  timeout: ANSWER_MS + 60_000,
}, () => {
  it("a new employee asks first: OpenClaw's request reaches the inbox and the live socket within a second; allow-once runs it", async () => {
    const { employee } = await t.owner.call("GET /api/employees/:id", { params: { id: ada } });
    expect(employee.autonomy).toBe("ask");
    const config = JSON.parse(inContainer(ada, "cat", "/data/openclaw/openclaw.json")) as {
      tools?: { exec?: Record<string, unknown> };
    };
    expect(config.tools?.exec).toMatchObject({ host: "gateway", ask: "always" });

    const w = word("allow");
    const { sent, pushed, inbox, approval } = await asked(w);
    const requestedAt = Date.parse(approval.requestedAt);
    timings.push(
      `OpenClaw asks → pushed on GET /api/live: ${pushed.at - requestedAt} ms; → listed by GET /api/approvals: ${inbox.at - requestedAt} ms (polled every 100 ms)`,
    );
    expect(pushed.at - requestedAt).toBeLessThan(ASK_TO_INBOX_MS);
    expect(inbox.at - requestedAt).toBeLessThan(ASK_TO_INBOX_MS);
    expect(approval).toMatchObject({
      employeeId: ada,
      employeeName: "Ada",
      action: "exec",
      status: "pending",
      conversationId: sent.conversationId,
    });
    expect(Date.parse(approval.expiresAt)).toBeGreaterThan(requestedAt);
    // Nothing ran yet: the turn waits for the decision.
    await sleep(1_000);
    const waiting = await t.owner.call(
      "GET /api/employees/:id/conversations/:conversationId/messages",
      { params: { id: ada, conversationId: sent.conversationId } },
    );
    expect(waiting.messages.find((m) => m.id === sent.replyId)?.text ?? "").not.toContain(ran(w));

    const decidedAt = Date.now();
    const res = await decide(t.owner, approval.id, "allow-once");
    expect(res.status, await res.clone().text()).toBe(200);
    const decided = ((await res.json()) as { approval: ApprovalView }).approval;
    expect(decided).toMatchObject({ status: "allowed", decision: "allow-once" });
    expect(decided.decidedBy).toBe(t.ownerEmail);
    const reply = await answer(t.owner, ada, sent, ANSWER_MS, t.logs);
    timings.push(`allow-once → the answer with the command's output: ${Date.now() - decidedAt} ms`);
    expect(reply.text).toContain("tool exec returned:");
    expect(reply.text).toContain(ran(w));
    // The decided frame reached the live socket too (the app's badge counts down).
    await t.live.approval((a) => a.id === approval.id && a.status === "allowed", 10_000);
  });

  it("deny with a reason: the command does not run and the employee says it was denied", async () => {
    const w = word("deny");
    const { sent, approval } = await asked(w);
    const res = await decide(t.owner, approval.id, "deny", "Not on a Friday");
    expect(res.status, await res.clone().text()).toBe(200);
    const reply = await answer(t.owner, ada, sent, ANSWER_MS, t.logs);
    expect(reply.text).toMatch(/denied/i);
    expect(reply.text).not.toContain(ran(w));
    expect(await approvalById(t.owner, approval.id)).toMatchObject({
      status: "denied",
      decision: "deny",
      reason: "Not on a Friday",
    });
    // Deciding it again is too late.
    const again = await decide(t.owner, approval.id, "allow-once");
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      "approval_decided",
    );
  });

  it("expiry: nobody decides, so the request expires and the employee says it was denied", {
    timeout: TEST_APPROVAL_TIMEOUT_MS + ANSWER_MS + 60_000,
  }, async () => {
    const w = word("expire");
    const { sent, approval } = await asked(w);
    const started = Date.now();
    const expired = await t.live
      .approval(
        (a) => a.id === approval.id && a.status === "expired",
        TEST_APPROVAL_TIMEOUT_MS + 60_000,
      )
      .catch(async (err: Error) => {
        throw new Error(
          `${err.message}; the inbox says ${JSON.stringify(await approvalById(t.owner, approval.id))}\n${t.logs()}`,
        );
      });
    timings.push(
      `pending → expired (timeout ${TEST_APPROVAL_TIMEOUT_MS} ms): ${Date.now() - started} ms`,
    );
    expect(expired.approval.decidedBy).toBeNull();
    const reply = await answer(t.owner, ada, sent, ANSWER_MS, t.logs);
    expect(reply.text).toMatch(/denied|expired|timed out/i);
    expect(reply.text).not.toContain(ran(w));
    // A decision after the expiry is refused.
    expect((await decide(t.owner, approval.id, "allow-once")).status).toBe(409);
  });

  it("two deciders race: one decision wins, the other is 409; a member without the grant is 403", async () => {
    const granted = await member(t.stack, t.owner, "granted");
    const plain = await member(t.stack, t.owner, "plain");
    const grant = await t.owner.api(`/api/team/members/${granted.userId}`, {
      method: "PATCH",
      json: { canApprove: true },
    });
    expect(grant.status, await grant.clone().text()).toBe(200);

    const w = word("race");
    const { sent, approval } = await asked(w);
    // The member sees the inbox but may not decide.
    const { approvals: seen } = await plain.client.call("GET /api/approvals");
    expect(seen.map((a) => a.id)).toContain(approval.id);
    const refused = await decide(plain.client, approval.id, "allow-once");
    expect(refused.status, await refused.clone().text()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "forbidden_role",
    );

    const [a, b] = await Promise.all([
      decide(t.owner, approval.id, "allow-once"),
      decide(granted.client, approval.id, "deny", "race"),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(((await loser.json()) as { error: { code: string } }).error.code).toBe(
      "approval_decided",
    );
    const winner = await approvalById(t.owner, approval.id);
    const reply = await answer(t.owner, ada, sent, ANSWER_MS, t.logs);
    if (a.status === 200) {
      expect(winner?.status).toBe("allowed");
      expect(reply.text).toContain(ran(w));
    } else {
      expect(winner?.status).toBe("denied");
      expect(reply.text).toMatch(/denied/i);
    }
    // One decision in the audit log for it (on the employee, the request in its detail).
    const { events } = await t.owner.call("GET /api/audit", {
      query: { action: "approval.decide", limit: 100 },
    });
    const decisions = events.filter((e) => e.detail?.approvalId === approval.id);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.target).toEqual({ type: "employee", id: ada });
  });

  it("autonomous: the command runs at once, without a request", async () => {
    const res = await t.owner.api(`/api/employees/${ada}`, {
      method: "PATCH",
      json: { autonomy: "autonomous" },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const changed = Date.now();
    // The agent rewrote OpenClaw's exec policy, then restarts its gateway to take it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const config = JSON.parse(inContainer(ada, "cat", "/data/openclaw/openclaw.json")) as {
        tools?: { exec?: Record<string, unknown> };
      };
      if (config.tools?.exec?.mode === "full") break;
      if (Date.now() > deadline) throw new Error(`exec policy: ${JSON.stringify(config.tools)}`);
      await sleep(250);
    }
    // OpenClaw restarts "momentarily" after it is asked, and until it is back its old gateway may
    // still decide. The message goes now, in the middle of that restart: the agent holds it
    // until the control socket greets the new gateway, then it runs under the new policy.
    const w = word("auto");
    const sent = await say(t.owner, ada, execMessage(proof(w)));
    turns[w] = sent.conversationId;
    const started = Date.now();
    const reply = await answer(t.owner, ada, sent, ANSWER_MS, t.logs);
    timings.push(
      `autonomous: message sent during the restart → answer: ${Date.now() - started} ms`,
    );
    expect(reply.text).toContain(ran(w));
    // It was held, not merely late: the agent says so, and OpenClaw came back before it went.
    const held = (l: string) => l.includes(ada) && l.includes("chat message held while OpenClaw");
    const back = (l: string) => l.includes(ada) && l.includes("OpenClaw restarted with the new");
    expect(t.stack.agent.logs.some(held), t.logs()).toBe(true);
    expect(t.stack.agent.logs.some(back), t.logs()).toBe(true);
    timings.push(`autonomy changed → answered under it: ${Date.now() - changed} ms`);
    const { approvals } = await t.owner.call("GET /api/approvals", { query: { status: "all" } });
    expect(approvals.filter((a) => commandOf(a).includes(w))).toEqual([]);
  });

  it("a schedule every ten seconds fires in OpenClaw; its run is in the ledger with tokens and cost", {
    timeout: 60_000 + ANSWER_MS,
  }, async () => {
    // Every second is more often than this edge allows (SCHEDULE_MIN_INTERVAL_SECONDS=5).
    const tooOften = await t.owner.api(`/api/employees/${ada}/schedules`, {
      method: "POST",
      json: { title: "Too often", prompt: "hi", cron: "* * * * * *", timeZone: "UTC" },
    });
    expect(tooOften.status).toBe(400);

    const w = word("tick");
    const created = await t.owner.api(`/api/employees/${ada}/schedules`, {
      method: "POST",
      json: {
        title: "Tick",
        prompt: `Say ${w}`,
        cron: "*/10 * * * * *",
        timeZone: "Europe/Berlin",
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { schedule } = (await created.json()) as { schedule: { id: string; nextRunAt: string } };
    expect(schedule.nextRunAt).not.toBeNull();
    const createdAt = Date.now();
    let entry: WorkEntryView | undefined;
    let seenAt = 0;
    const deadline = createdAt + 30_000 + ANSWER_MS;
    while (!entry) {
      const { entries } = await t.owner.call("GET /api/employees/:id/ledger", {
        params: { id: ada },
        query: { kind: "schedule" },
      });
      entry = entries.find((e) => e.scheduleId === schedule.id);
      seenAt = Date.now();
      if (!entry && seenAt > deadline)
        throw new Error(`no scheduled run in the ledger\n${t.logs()}`);
      if (!entry) await sleep(200);
    }
    // Stop it before it burns more: one run is the proof.
    const del = await t.owner.api(`/api/employees/${ada}/schedules/${schedule.id}`, {
      method: "DELETE",
    });
    expect(del.status).toBe(204);
    timings.push(
      `schedule created → first run in the ledger: ${seenAt - createdAt} ms; its end → listed: ${seenAt - Date.parse(entry.endedAt)} ms (polled every 200 ms)`,
    );
    expect(entry).toMatchObject({ kind: "schedule", outcome: "done", title: "Tick" });
    expect(entry.promptTokens + entry.completionTokens).toBeGreaterThan(0);
    expect(entry.costCents).toBeGreaterThan(0);
    expect(entry.durationMs).toBeGreaterThan(0);
  });

  it("the ledger has each chat turn with the approvals it needed; the report card adds the ledger up", async () => {
    const { entries } = await t.owner.call("GET /api/employees/:id/ledger", {
      params: { id: ada },
      query: { limit: 500 },
    });
    const of = (prefix: string) => {
      const w = Object.keys(turns).find((k) => k.startsWith(prefix));
      return entries.find((e) => e.conversationId === (w ? turns[w] : undefined));
    };
    expect(of("allow")).toMatchObject({ kind: "chat", outcome: "done", approvals: 1 });
    expect(of("allow")?.promptTokens).toBeGreaterThan(0);
    expect(of("deny")).toMatchObject({
      kind: "chat",
      outcome: "denied",
      approvals: 1,
      approvalsDenied: 1,
    });
    expect(of("auto")).toMatchObject({ kind: "chat", outcome: "done", approvals: 0 });

    // Read until two readings agree: a run that ended as the schedule was deleted may still land.
    let last = "";
    for (let i = 0; i < 10; i++) {
      const { report } = await t.owner.call("GET /api/employees/:id/report", {
        params: { id: ada },
      });
      const week = await ledgerBetween(t.owner, ada, report.from, report.to);
      const mine = report.employees.find((e) => e.employeeId === ada);
      const { report: team } = await t.owner.call("GET /api/report", {
        query: { week: report.week },
      });
      const sum = sums(week);
      const { costCents, ...exact } = sum;
      const minutes = week
        .filter((e) => e.outcome === "done")
        .reduce((n, e) => n + (mine?.minutesPerTask[e.kind] ?? 0), 0);
      try {
        expect(week.length).toBeGreaterThan(0);
        expect(report.totals).toMatchObject(exact);
        expect(report.totals.costCents).toBeCloseTo(costCents, 6);
        expect(report.totals.minutesSaved).toBe(minutes);
        expect(mine).toMatchObject(exact);
        expect(team.totals).toMatchObject(exact);
        expect(team.totals.costCents).toBeCloseTo(costCents, 6);
        timings.push(
          `report card ${report.week}: ${week.length} entries, ${sum.promptTokens + sum.completionTokens} tokens, ${costCents.toFixed(4)} ct, ${minutes} min saved`,
        );
        return;
      } catch (err) {
        last = String(err);
        await sleep(2_000);
      }
    }
    throw new Error(`the report card never matched the ledger: ${last}`);
  });
});
