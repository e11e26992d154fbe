import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkEntryView } from "../contract/ledger.ts";
import { MAX_RUN_MS, USAGE_GRACE_MS } from "../objects/work-ledger.ts";
import { accept, newConversation, progress, runningEmployee, sent, until } from "./chat-helpers.ts";
import { accountOf, api, removeAllEmployees } from "./helpers.ts";
import { buildTeam, join } from "./team-fixture.ts";
import { createTask, ledger, usageAt } from "./trust-helpers.ts";

// The work ledger (issue 18): each scheduled run or heartbeat turn the agent reports, and each
// chat turn when its answer ends, is one entry with the gateway's metering of its time and the
// approvals it asked for.

afterEach(removeAllEmployees);

const entriesOf = async (employeeId: string) =>
  (
    await env.DB.prepare("SELECT * FROM work_entries WHERE employee_id = ? ORDER BY started_at")
      .bind(employeeId)
      .all<Record<string, unknown>>()
  ).results;

async function approvalAt(
  accountId: string,
  employeeId: string,
  at: number,
  scope: { scheduleId?: string; conversationId?: string },
  status: "allowed" | "denied" | "expired",
) {
  await env.DB.prepare(
    `INSERT INTO approvals (id, account_id, employee_id, openclaw_id, action, details, conversation_id,
       schedule_id, status, requested_at, expires_at, created_at)
     VALUES (?1, ?2, ?3, ?4, 'exec', '{"command":"ls","cwd":null,"warning":null}', ?5, ?6, ?7, ?8, ?9, ?8)`,
  )
    .bind(
      crypto.randomUUID(),
      accountId,
      employeeId,
      crypto.randomUUID(),
      scope.conversationId ?? null,
      scope.scheduleId ?? null,
      status,
      at,
      at + 60_000,
    )
    .run();
}

describe("the work ledger", () => {
  it("records a scheduled run once, with the metering and approvals of its window only", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-run");
    const accountId = await accountOf(cookie);
    const made = await createTask(cookie, employeeId, {
      title: "Inbox sweep",
      cron: "*/10 * * * * *",
    });
    const startedAt = Date.now() - 30_000;
    const endedAt = startedAt + 10_000;
    const inside = { prompt: 100, completion: 20, microEur: 1_500 };
    await usageAt(accountId, employeeId, startedAt + 1_000, inside);
    // Metered just after the end (a stream's last request): still the run's.
    await usageAt(accountId, employeeId, endedAt + USAGE_GRACE_MS - 500, inside);
    // Before it started, and well after it ended: another piece of work's.
    await usageAt(accountId, employeeId, startedAt - 1_000, {
      prompt: 9_999,
      completion: 9_999,
      microEur: 99_999,
    });
    await usageAt(accountId, employeeId, endedAt + USAGE_GRACE_MS + 1_000, {
      prompt: 7,
      completion: 7,
      microEur: 7,
    });
    await approvalAt(accountId, employeeId, startedAt + 2_000, { scheduleId: made.id }, "allowed");
    await approvalAt(accountId, employeeId, startedAt + 3_000, { scheduleId: made.id }, "denied");
    await approvalAt(accountId, employeeId, startedAt - 60_000, { scheduleId: made.id }, "denied");

    const run = {
      type: "work.run",
      employeeId,
      containerId: null,
      runKey: "cron:iw-task:run-1",
      taskId: made.id,
      startedAt,
      endedAt,
      outcome: "done",
      summary: "Three emails need you.",
    };
    agent.send(run);
    agent.send(run); // again after a reconnect: recorded once
    await until(async () => (await entriesOf(employeeId)).length > 0, "the run's entry");
    await new Promise((r) => setTimeout(r, 200));
    const [entry] = await ledger(cookie, employeeId);
    expect(await entriesOf(employeeId)).toHaveLength(1);
    expect(entry).toEqual({
      id: expect.any(String),
      employeeId,
      kind: "schedule",
      title: "Inbox sweep",
      conversationId: null,
      scheduleId: made.id,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: 10_000,
      promptTokens: 200,
      completionTokens: 40,
      costCents: 0.3,
      outcome: "done",
      approvals: 2,
      approvalsDenied: 1,
    } satisfies WorkEntryView);
  });

  it("records a run whose every request was denied or expired as denied", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-denied");
    const accountId = await accountOf(cookie);
    const made = await createTask(cookie, employeeId, { cron: "*/10 * * * * *" });
    const startedAt = Date.now() - 30_000;
    await approvalAt(accountId, employeeId, startedAt + 1_000, { scheduleId: made.id }, "denied");
    await approvalAt(accountId, employeeId, startedAt + 2_000, { scheduleId: made.id }, "expired");
    const base = { type: "work.run", employeeId, containerId: null, taskId: made.id, summary: "" };
    agent.send({
      ...base,
      runKey: "cron:denied:1",
      startedAt,
      endedAt: startedAt + 5_000,
      outcome: "done",
    });
    await until(async () => (await entriesOf(employeeId)).length > 0, "the run's entry");
    const [entry] = await ledger(cookie, employeeId);
    expect(entry).toMatchObject({ outcome: "denied", approvals: 2, approvalsDenied: 2 });
  });

  it("records a heartbeat turn, and a failed run, by kind and outcome", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-beat");
    const at = Date.now() - 5_000;
    const base = { employeeId, containerId: null, startedAt: at, endedAt: at + 1_000, summary: "" };
    agent.send({ type: "work.run", ...base, runKey: "heartbeat:1", taskId: null, outcome: "done" });
    agent.send({
      type: "work.run",
      ...base,
      runKey: "heartbeat:2",
      taskId: null,
      outcome: "failed",
    });
    await until(async () => (await entriesOf(employeeId)).length === 2, "two entries");
    const beats = await ledger(cookie, employeeId, { kind: "heartbeat" });
    expect(beats.map((e) => [e.title, e.outcome]).sort()).toEqual([
      ["Heartbeat", "done"],
      ["Heartbeat", "failed"],
    ]);
    expect(await ledger(cookie, employeeId, { outcome: "failed" })).toHaveLength(1);
    expect(await ledger(cookie, employeeId, { kind: "chat" })).toHaveLength(0);
  });

  it("does not let a reported run reach back over the employee's whole metering", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-hostile");
    const accountId = await accountOf(cookie);
    const endedAt = Date.now() - 1_000;
    await usageAt(accountId, employeeId, endedAt - MAX_RUN_MS - 60_000, {
      prompt: 5_000,
      completion: 5_000,
      microEur: 500_000,
    });
    await usageAt(accountId, employeeId, endedAt - 60_000, {
      prompt: 1,
      completion: 2,
      microEur: 3,
    });
    agent.send({
      type: "work.run",
      employeeId,
      containerId: null,
      runKey: "heartbeat:forever",
      taskId: null,
      startedAt: 0,
      endedAt: endedAt + 10 * 86_400_000, // in the future
      outcome: "done",
      summary: "",
    });
    await until(async () => (await entriesOf(employeeId)).length === 1, "the entry");
    const [entry] = await ledger(cookie, employeeId);
    expect(entry?.durationMs).toBe(MAX_RUN_MS);
    expect(Date.parse(entry?.endedAt ?? "")).toBeLessThanOrEqual(Date.now());
    expect(entry).toMatchObject({ promptTokens: 1, completionTokens: 2 });
  });

  it("records a chat turn when its answer ends: done, then a stopped one as aborted", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-chat");
    const accountId = await accountOf(cookie);
    const c = await newConversation(cookie, employeeId, "Quarterly numbers");
    const { reply } = await sent(cookie, employeeId, c.id, "How did we do?");
    const send = await agent.next("chat.send");
    accept(agent, send);
    await new Promise((r) => setTimeout(r, 50));
    await usageAt(accountId, employeeId, Date.now(), { prompt: 50, completion: 10, microEur: 800 });
    await approvalAt(accountId, employeeId, Date.now(), { conversationId: c.id }, "allowed");
    progress(agent, employeeId, reply.id, { state: "final", text: "Up 12 %." });
    await until(async () => (await entriesOf(employeeId)).length === 1, "the turn's entry");
    const [turn] = await ledger(cookie, employeeId);
    expect(turn).toMatchObject({
      kind: "chat",
      title: "Quarterly numbers",
      conversationId: c.id,
      scheduleId: null,
      outcome: "done",
      promptTokens: 50,
      completionTokens: 10,
      costCents: 0.08,
      approvals: 1,
      approvalsDenied: 0,
    });
    const row = (await entriesOf(employeeId))[0];
    expect(row?.run_key).toBe(reply.id);

    const second = await sent(cookie, employeeId, c.id, "And next quarter?");
    accept(agent, await agent.next("chat.send"));
    const stop = await api(`/api/employees/${employeeId}/conversations/${c.id}/stop`, {
      method: "POST",
      cookie,
    });
    expect(stop.status).toBe(202);
    await until(async () => (await entriesOf(employeeId)).length === 2, "the stopped turn's entry");
    const aborted = (await ledger(cookie, employeeId, { outcome: "aborted" }))[0];
    expect(aborted).toMatchObject({ kind: "chat", outcome: "aborted" });
    expect((await entriesOf(employeeId)).map((r) => r.run_key)).toContain(second.reply.id);
  });

  it("a turn that ends in an error is failed", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ledger-error");
    const c = await newConversation(cookie, employeeId);
    const { reply } = await sent(cookie, employeeId, c.id, "Do the thing");
    accept(agent, await agent.next("chat.send"));
    progress(agent, employeeId, reply.id, {
      state: "error",
      text: "",
      error: { code: "model_error", message: "The model failed." },
    });
    await until(async () => (await entriesOf(employeeId)).length === 1, "the failed turn");
    expect((await ledger(cookie, employeeId))[0]).toMatchObject({
      outcome: "failed",
      title: "Do the thing",
    });
  });

  it("pages back with `before`; members read it; a stranger gets 404; bad filters are 400", async () => {
    const team = await buildTeam("ledger-roles");
    const { employeeId, cookie } = await runningEmployee("ledger-page");
    const accountId = await accountOf(cookie);
    await join(accountId, team.member, "member");
    const t0 = Date.now() - 100_000;
    for (let i = 0; i < 5; i++)
      await env.DB.prepare(
        `INSERT INTO work_entries (id, account_id, employee_id, kind, title, run_key, started_at, ended_at, outcome, created_at)
         VALUES (?1, ?2, ?3, 'heartbeat', 'Heartbeat', ?4, ?5, ?5, 'done', ?5)`,
      )
        .bind(crypto.randomUUID(), accountId, employeeId, `beat-${i}`, t0 + i * 1000)
        .run();
    const first = await ledger(team.member.cookie, employeeId, { limit: "2" });
    expect(first.map((e) => e.startedAt)).toEqual([
      new Date(t0 + 4000).toISOString(),
      new Date(t0 + 3000).toISOString(),
    ]);
    const next = await ledger(team.member.cookie, employeeId, {
      limit: "2",
      before: first[1]?.startedAt ?? "",
    });
    expect(next.map((e) => e.startedAt)).toEqual([
      new Date(t0 + 2000).toISOString(),
      new Date(t0 + 1000).toISOString(),
    ]);
    const path = `/api/employees/${employeeId}/ledger`;
    expect((await api(path, { cookie: team.stranger.cookie })).status).toBe(404);
    expect((await api(`${path}?format=csv`, { cookie: team.stranger.cookie })).status).toBe(404);
    expect((await api(`${path}?kind=nap`, { cookie })).status).toBe(400);
    expect((await api(`${path}?limit=100000`, { cookie })).status).toBe(400);
    expect((await api(`${path}?before=yesterday`, { cookie })).status).toBe(400);
    expect((await api("/api/employees/not-an-id/ledger", { cookie })).status).toBe(404);
  });
});
