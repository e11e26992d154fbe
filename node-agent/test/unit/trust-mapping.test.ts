// Issue 18, the pure parts: autonomy → OpenClaw's exec policy, working hours → the heartbeat,
// OpenClaw's approval events → approval frames, automation runs → work.run, and the plan that
// makes OpenClaw's `iw:` jobs what the edge wants. Every frame made here goes through the edge's
// own parser of agent frames.
import { describe, expect, it } from "vitest";
import { parseAgentFrame, type ScheduledTask } from "../../../edge/protocol/frames.ts";
import { listedRecords, requestedFrame, resolvedFrame } from "../../employee/approval-events.ts";
import { APPROVE_COMMAND } from "../../employee/chat-relay.ts";
import {
  AGENT_CONTROL_USER,
  execPolicy,
  heartbeatConfig,
  openclawConfig,
} from "../../employee/openclaw-config.ts";
import { type JobRow, listPage, planSync } from "../../employee/schedule-plan.ts";
import { workRunFrame } from "../../employee/work-runs.ts";

const ids = { employeeId: "e1", containerId: null };
const onTheWire = (frame: unknown) => {
  const parsed = parseAgentFrame(JSON.stringify(frame));
  if (!parsed.ok) throw new Error(`the edge would refuse this frame: ${parsed.error}`);
  return parsed.frame;
};

describe("autonomy and working hours in openclaw.json", () => {
  it("renders each level, the control identity and the heartbeat", () => {
    expect(execPolicy(undefined)).toEqual({
      host: "gateway",
      security: "allowlist",
      ask: "always",
    });
    expect(execPolicy("ask")).toEqual({ host: "gateway", security: "allowlist", ask: "always" });
    expect(execPolicy("risky")).toEqual({ host: "gateway", mode: "ask" });
    expect(execPolicy("autonomous")).toEqual({ host: "gateway", mode: "full" });
    const spec = {
      employeeId: "e1",
      accountId: "acct-1",
      name: "Ada",
      role: "researcher",
      tone: "concise",
      skills: [],
      autonomy: "risky" as const,
    };
    const net = { proxyAddress: "172.30.0.1", llmBaseUrl: "http://172.30.0.1:1/v1" };
    const c = openclawConfig(spec, net) as {
      gateway: { auth: Record<string, unknown> & { trustedProxy: { allowUsers: string[] } } };
      agents: { defaults: Record<string, unknown> };
      tools: { exec: unknown };
    };
    // The account first (the chat relay reads it there), then the agent's control identity.
    expect(c.gateway.auth.trustedProxy.allowUsers).toEqual(["acct-1", AGENT_CONTROL_USER]);
    expect(c.gateway.auth.identityScopes).toEqual({
      [AGENT_CONTROL_USER]: ["operator.read", "operator.approvals", "operator.admin"],
    });
    expect(c.tools.exec).toEqual({ host: "gateway", mode: "ask" });
    expect(c.agents.defaults.heartbeat).toBeUndefined(); // never synced: OpenClaw's default
    const hours = { start: "09:00", end: "17:30", timeZone: "Europe/Berlin" };
    expect(heartbeatConfig({ workingHours: hours, paused: false })).toEqual({
      every: "30m",
      target: "none",
      isolatedSession: true,
      activeHours: { start: "09:00", end: "17:30", timezone: "Europe/Berlin" },
    });
    expect(heartbeatConfig({ workingHours: hours, paused: true })).toEqual({ every: "0m" });
    expect(heartbeatConfig({ workingHours: null, paused: false })).toEqual({ every: "0m" });
    const synced = openclawConfig(spec, net, { workingHours: null, paused: false }) as typeof c;
    expect(synced.agents.defaults.heartbeat).toEqual({ every: "0m" });
  });
});

describe("a chat message that would decide an approval", () => {
  it("is recognised the way OpenClaw reads /approve, and ordinary words are not", () => {
    for (const text of [
      "/approve 3f1c allow-once",
      "  /APPROVE@bot 3f1c deny",
      "/approve",
      "\n/approve x y",
    ])
      expect(APPROVE_COMMAND.test(text), text).toBe(true);
    for (const text of [
      "please approve the invoice",
      "/approved it",
      "say /approve x y",
      "/status",
    ])
      expect(APPROVE_COMMAND.test(text), text).toBe(false);
  });
});

describe("approval events", () => {
  const request = {
    id: "3f1c-uuid",
    request: {
      command: "rm -rf build",
      cwd: "/data/workspace",
      warningText: "deletes files",
      sessionKey: "agent:main:web:abc",
      host: "gateway",
    },
    createdAtMs: 1_000,
    expiresAtMs: 1_801_000,
  };

  it("maps a request, a listed record, a plugin's and a settlement", () => {
    expect(onTheWire(requestedFrame("exec", request, ids, 5))).toEqual({
      type: "approval.requested",
      employeeId: "e1",
      containerId: null,
      approvalId: "3f1c-uuid",
      action: "exec",
      details: { command: "rm -rf build", cwd: "/data/workspace", warning: "deletes files" },
      sessionKey: "agent:main:web:abc",
      requestedAt: 1_000,
      expiresAt: 1_801_000,
    });
    // argv only, no times: joined as a shell would show it, OpenClaw's 30 minutes assumed.
    const argv = requestedFrame(
      "exec",
      { id: "a2", request: { commandArgv: ["echo", "two words"] } },
      ids,
      7,
    );
    expect(onTheWire(argv)).toMatchObject({
      details: { command: 'echo "two words"', cwd: null, warning: null },
      sessionKey: null,
      requestedAt: 7,
      expiresAt: 7 + 30 * 60_000,
    });
    const plugin = requestedFrame(
      "plugin",
      {
        id: "plugin:9",
        request: {
          title: "Send mail",
          description: "to bob",
          toolName: "mail_send",
          severity: "critical",
        },
        createdAtMs: 1,
        expiresAtMs: 2,
      },
      ids,
      0,
    );
    expect(onTheWire(plugin)).toMatchObject({
      action: "mail_send",
      details: { command: "Send mail: to bob", cwd: null, warning: "critical" },
    });
    expect(
      onTheWire(
        resolvedFrame({ id: "3f1c-uuid", decision: "allow-always", resolvedBy: "dev" }, ids),
      ),
    ).toEqual({
      type: "approval.resolved",
      employeeId: "e1",
      containerId: null,
      approvalId: "3f1c-uuid",
      decision: "allow-always",
      expired: false,
    });
    expect(resolvedFrame({ id: "x", decision: "deny", resolvedBy: "timeout" }, ids)?.expired).toBe(
      true,
    );
    expect(listedRecords([request, request])).toHaveLength(2);
    expect(listedRecords({ approvals: [request] })).toHaveLength(1);
    expect(listedRecords("nonsense")).toEqual([]);
    expect(listedRecords(Array.from({ length: 5_000 }, () => request))).toHaveLength(200);
  });

  it("drops what does not read as one and cuts what is too long", () => {
    for (const bad of [
      null,
      7,
      {},
      { id: "" },
      { id: "has space", request: {} },
      { id: "a".repeat(201) },
    ])
      expect(requestedFrame("exec", bad, ids, 0)).toBeNull();
    expect(requestedFrame("exec", { id: "a", request: { command: 5 } }, ids, 0)).toBeNull();
    expect(resolvedFrame({ id: "a", decision: "maybe" }, ids)).toBeNull();
    const huge = requestedFrame(
      "exec",
      {
        id: "big",
        request: {
          command: "x".repeat(90_000),
          cwd: "/".repeat(9_000),
          warningText: "w".repeat(9_000),
          sessionKey: "bad key",
        },
        createdAtMs: 10,
        expiresAtMs: 5, // before it was made: clamped
      },
      ids,
      0,
    );
    const f = onTheWire(huge) as { details: { command: string; cwd: string; warning: string } };
    expect(f.details.command).toHaveLength(4000);
    expect(f.details.cwd).toHaveLength(500);
    expect(f.details.warning).toHaveLength(1000);
    expect(huge).toMatchObject({ sessionKey: null, requestedAt: 10, expiresAt: 10 });
  });
});

describe("automation runs", () => {
  const finished = {
    jobId: "job-1",
    action: "finished",
    job: { id: "job-1", name: "iw:task-7", payload: { kind: "agentTurn" } },
    runAtMs: 10_000,
    durationMs: 2_500,
    status: "ok",
    summary: "Sent the report.",
  };

  it("reports ours and the heartbeat's, keyed by OpenClaw's run identity", () => {
    expect(onTheWire(workRunFrame(finished, ids, new Map(), 0))).toEqual({
      type: "work.run",
      employeeId: "e1",
      containerId: null,
      runKey: "cron:job-1:10000",
      taskId: "task-7",
      startedAt: 10_000,
      endedAt: 12_500,
      outcome: "done",
      summary: "Sent the report.",
    });
    const beat = {
      ...finished,
      jobId: "hb",
      job: { name: "Heartbeat (main)", payload: { kind: "heartbeat" } },
    };
    expect(workRunFrame(beat, ids, new Map(), 0)).toMatchObject({
      taskId: null,
      runKey: "cron:hb:10000",
    });
    // A run-log entry names neither the job nor its payload: the last list says whose it is.
    const entry = {
      ts: 12_500,
      jobId: "job-9",
      action: "finished",
      status: "error",
      error: "model failed",
    };
    expect(workRunFrame(entry, ids, new Map(), 0)).toBeNull();
    const known = new Map([["job-9", { kind: "task" as const, taskId: "t9" }]]);
    expect(workRunFrame(entry, ids, known, 0)).toMatchObject({
      taskId: "t9",
      outcome: "failed",
      summary: "model failed",
      startedAt: 12_500,
      endedAt: 12_500,
    });
    expect(workRunFrame({ ...finished, status: "skipped" }, ids, new Map(), 0)?.outcome).toBe(
      "skipped",
    );
  });

  it("ignores the employee's own jobs and what does not parse, and cuts summaries", () => {
    expect(workRunFrame({ ...finished, job: { name: "mine" } }, ids, new Map(), 0)).toBeNull();
    expect(workRunFrame({ ...finished, job: { name: "iw:../x" } }, ids, new Map(), 0)).toBeNull();
    expect(workRunFrame({ ...finished, action: "started" }, ids, new Map(), 0)).toBeNull();
    expect(workRunFrame({ ...finished, runAtMs: -1 }, ids, new Map(), 0)).toBeNull();
    expect(workRunFrame("x", ids, new Map(), 0)).toBeNull();
    const long = workRunFrame({ ...finished, summary: "s".repeat(50_000) }, ids, new Map(), 0);
    expect((onTheWire(long) as { summary: string }).summary).toHaveLength(2000);
  });
});

describe("the sync plan", () => {
  const task = (id: string, over: Partial<ScheduledTask> = {}): ScheduledTask => ({
    id,
    title: `Task ${id}`,
    cron: "0 9 * * 1-5",
    timeZone: "Europe/Berlin",
    prompt: `do ${id}`,
    enabled: true,
    ...over,
  });
  const row = (id: string, t: ScheduledTask, over: Partial<JobRow> = {}): JobRow => ({
    id,
    name: `iw:${t.id}`,
    enabled: t.enabled,
    description: t.title,
    schedule: { kind: "cron", expr: t.cron, tz: t.timeZone },
    sessionTarget: "isolated",
    payload: { kind: "agentTurn", message: t.prompt },
    ...over,
  });

  it("adds, updates and removes only our jobs, and nothing when they match", () => {
    const a = task("a");
    const b = task("b");
    const mine: JobRow = { ...row("m", a), name: "mine" };
    expect(planSync([row("j-a", a), mine], [a], false)).toEqual([]);
    const steps = planSync(
      [
        row("j-a", a, { payload: { kind: "agentTurn", message: "old" } }),
        row("j-x", task("x")),
        row("j-a2", a),
        mine,
      ],
      [a, b],
      false,
    );
    expect(steps.map((s) => `${s.method} ${s.taskId}`)).toEqual([
      "cron.remove a", // the second job of one task
      "cron.remove x",
      "cron.update a",
      "cron.add b",
    ]);
    expect(steps[3]?.params).toEqual({
      name: "iw:b",
      description: "Task b",
      enabled: true,
      schedule: { kind: "cron", expr: "0 9 * * 1-5", tz: "Europe/Berlin" },
      sessionTarget: "isolated",
      wakeMode: "now",
      payload: { kind: "agentTurn", message: "do b" },
      delivery: { mode: "none" },
    });
    // Paused: every task off, none forgotten.
    expect(planSync([row("j-a", a)], [a], true)).toMatchObject([
      { method: "cron.update", params: { id: "j-a", patch: { enabled: false } } },
    ]);
    expect(planSync([row("j-a", a, { enabled: false })], [a], true)).toEqual([]);
  });

  it("reads list pages under hostile input", () => {
    expect(
      listPage({
        jobs: [
          { id: "1", name: "iw:a", enabled: true, schedule: { kind: "cron" } },
          { id: 5 },
          "x",
        ],
        hasMore: false,
      }),
    ).toMatchObject({ rows: [{ id: "1" }], more: false });
    expect(listPage("nope")).toEqual({ rows: [], more: false });
    // What 2026.9.6 answers around the jobs (nextOffset null on the last page).
    expect(
      listPage({ jobs: [], total: 3, offset: 0, limit: 200, hasMore: false, nextOffset: null }),
    ).toEqual({ rows: [], more: false });
    expect(listPage({ jobs: Array.from({ length: 200 }, () => ({})) }).more).toBe(true);
  });
});
