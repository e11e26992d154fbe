import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { ChatRelay } from "../employee/chat-relay.ts";
import { ControlRelay } from "../employee/control-relay.ts";
import { GatewayClient } from "../employee/gateway-client.ts";
import { GatewayDevices } from "../employee/gateway-devices.ts";
import { CONTROL_PROFILE } from "../employee/gateway-handshake.ts";
import { AGENT_CONTROL_USER, GATEWAY_PORT, STATE_DIR } from "../employee/openclaw-config.ts";
import { ScheduleState } from "../employee/schedule-state.ts";
import { listJobs } from "../employee/schedule-sync.ts";
import { createLogger } from "../logger.ts";
import { type DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { docker } from "./docker-cli.ts";
import { type Frame, type RealNode, startRealNode } from "./real-employee-node.ts";

// Issue 18 against the real employee image (OpenClaw 2026.9.6) and the development model behind
// the agent's real relay, through the agent's real hub to a loopback edge stand-in: in "ask"
// every command waits, its approval.requested leaves the agent within a second of OpenClaw
// asking; allow-once lets it run, deny stops it; an unknown id is approval_not_found; a
// schedules.sync task on a 10-second cron fires and yields work.run; the employee's own job is
// left alone and a second sync changes nothing. Prints the latencies.

const PREFIX = `trust${process.pid}-`;
const NODE_TOKEN = "iwn_trust_test_token_000000000000000";
const log = createLogger(process.env.LOG_LEVEL ?? "warn");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-trust-state-"));
const spec: EmployeeSpec = {
  employeeId: `${PREFIX}1`,
  accountId: "account-1",
  name: "Ada",
  role: "researcher",
  tone: "concise",
  skills: [],
  autonomy: "ask",
};
const word = () => randomUUID().slice(0, 8);

let node: RealNode;
let runtime: DockerRuntime;
let chat: ChatRelay;
let control: ControlRelay;
let probe: GatewayClient;
let frames: Frame[] = [];
const noFiles = { deliver: async () => ({ paths: [], images: [] }) };

// On a timeout it says which frames came (heartbeats aside).
const until = <T>(what: string, get: () => T, timeoutMs = 40_000) =>
  node.until(
    what,
    get,
    timeoutMs,
    () =>
      `frames: ${frames
        .filter((f) => f.type !== "heartbeat")
        .map(
          (f) =>
            `${f.type}${f.state ? `/${String(f.state)}` : ""}${f.ok === false ? JSON.stringify(f.error) : ""}`,
        )
        .join(" ")
        .slice(-1500)}`,
  );

async function command(frame: Record<string, unknown>, timeoutMs = 90_000): Promise<Frame> {
  const id = `cmd-${word()}`;
  node.toAgent({ ...frame, id, employeeId: spec.employeeId });
  return until(
    `a result for ${frame.type}`,
    () => frames.find((f) => f.type === "result" && f.id === id),
    timeoutMs,
  );
}

const chatSend = (text: string) => {
  const runId = `run-${word()}`;
  const done = command({
    type: "chat.send",
    sessionKey: `agent:main:web:${randomUUID()}`,
    runId,
    text,
    attachments: [],
  });
  return { runId, done };
};
const endOf = (runId: string) =>
  frames.find((f) => f.type === "chat.progress" && f.runId === runId && f.state !== "streaming");
const requested = (marker: string) =>
  frames.find(
    (f) =>
      f.type === "approval.requested" &&
      String((f.details as { command?: string }).command).includes(marker),
  );

beforeAll(async () => {
  const schedules = new ScheduleState(stateDir);
  node = await startRealNode({
    name: "trust",
    prefix: PREFIX,
    spec,
    nodeToken: NODE_TOKEN,
    heartbeat: (employeeId) => schedules.heartbeat(employeeId),
    relays: (n) => {
      const devices = new GatewayDevices(n.stateDir);
      chat = new ChatRelay({
        runtime: n.runtime,
        devices,
        attachments: noFiles,
        send: n.send,
        log,
      });
      control = new ControlRelay({
        runtime: n.runtime,
        devices,
        state: schedules,
        send: n.send,
        log,
      });
      return { chat, control };
    },
  });
  runtime = node.runtime;
  frames = node.frames;
  // As main.ts does for employees already running when the agent starts.
  control.ensure(spec.employeeId);
  // A look into OpenClaw's automations of our own, as the control socket sees them.
  probe = new GatewayClient({
    employeeId: spec.employeeId,
    accountId: AGENT_CONTROL_USER,
    endpoint: () => runtime.endpoint(spec.employeeId, GATEWAY_PORT),
    devices: new GatewayDevices(mkdtempSync(path.join(stateDir, "probe-"))),
    profile: CONTROL_PROFILE,
    log,
  });
  const info = await probe.connect();
  console.log(`[trust] control socket scopes: ${info.scopes.join(",")}`);
}, READY_TIMEOUT_MS.runc + 900_000);

afterAll(async () => {
  await probe?.close();
  await node?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("approvals and scheduled work against the real image", () => {
  it("holds the admin grant on the control socket only", async () => {
    expect(probe.info?.scopes).toEqual(
      expect.arrayContaining(["operator.read", "operator.approvals", "operator.admin"]),
    );
    const config = docker(
      "exec",
      `iw-employee-${spec.employeeId}`,
      "cat",
      `/data/${STATE_DIR}/openclaw.json`,
    );
    expect(JSON.parse(config).tools.exec).toEqual({
      host: "gateway",
      security: "allowlist",
      ask: "always",
    });
  });

  it("asks before a command: allow-once lets it run", { timeout: 150_000 }, async () => {
    const marker = `hi-${word()}`;
    const { runId, done } = chatSend(`!tool exec {"command":"echo ${marker}"}`);
    expect(await done).toMatchObject({ ok: true });
    const ask = await until("approval.requested", () => requested(marker));
    const lag = ask.at - (ask.requestedAt as number);
    console.log(`[trust] OpenClaw asked → approval.requested at the edge: ${lag} ms`);
    expect(lag).toBeLessThan(1_000);
    expect(ask).toMatchObject({ action: "exec", employeeId: spec.employeeId });
    expect(ask.expiresAt as number).toBeGreaterThan(ask.requestedAt as number);
    expect(endOf(runId)).toBeUndefined(); // it waits
    const decided = await command({
      type: "approval.resolve",
      approvalId: ask.approvalId,
      decision: "allow-once",
    });
    expect(decided).toMatchObject({ ok: true });
    await until("approval.resolved", () =>
      frames.find((f) => f.type === "approval.resolved" && f.approvalId === ask.approvalId),
    );
    const end = await until("the answer", () => endOf(runId), 90_000);
    console.log(`[trust] after allow-once: ${String(end.text).slice(0, 200)}`);
    expect(end.text).toContain(marker);
    expect(end.text).toMatch(/tool exec returned/);
  });

  it("deny stops the command, and an unknown or decided id is approval_not_found", {
    timeout: 150_000,
  }, async () => {
    const marker = `no-${word()}`;
    const { runId, done } = chatSend(`!tool exec {"command":"touch /data/workspace/${marker}"}`);
    expect(await done).toMatchObject({ ok: true });
    const ask = await until("approval.requested", () => requested(marker));
    const denied = await command({
      type: "approval.resolve",
      approvalId: ask.approvalId,
      decision: "deny",
    });
    expect(denied).toMatchObject({ ok: true });
    const end = await until("the answer", () => endOf(runId), 90_000);
    console.log(`[trust] after deny: ${String(end.text).slice(0, 200)}`);
    expect(String(end.text)).toMatch(/denied|not run|approval/i);
    const gone = docker("exec", `iw-employee-${spec.employeeId}`, "ls", "/data/workspace");
    expect(gone).not.toContain(marker);
    // What "ask" does with a redirection (allowlist mode refuses chains and redirections that
    // are not allowlisted segment by segment): printed, for the docs.
    const redirect = chatSend(`!tool exec {"command":"echo r > /data/workspace/r-${marker}"}`);
    await redirect.done;
    const redirected = await until("the redirect's answer", () => endOf(redirect.runId), 90_000);
    console.log(
      `[trust] a redirection in ask: asked=${Boolean(requested(`r-${marker}`))} answer=${String(redirected.text).slice(0, 160)}`,
    );
    // A chat message that OpenClaw would read as `/approve` never reaches it.
    const typed = await command({
      type: "chat.send",
      sessionKey: `agent:main:web:${randomUUID()}`,
      runId: `run-${word()}`,
      text: `/approve ${String(ask.approvalId)} allow-once`,
      attachments: [],
    });
    expect(typed).toMatchObject({ ok: false, error: { code: "bad_command", retryable: false } });
    for (const approvalId of [ask.approvalId, `nope-${word()}`]) {
      const again = await command({ type: "approval.resolve", approvalId, decision: "allow-once" });
      expect(again).toMatchObject({
        ok: false,
        error: { code: "approval_not_found", retryable: false },
      });
    }
  });

  it("runs a scheduled task as an automation and reports each run once", async () => {
    // The employee's own automation, which a sync must leave alone.
    await probe.request("cron.add", {
      name: "mine",
      enabled: false,
      schedule: { kind: "cron", expr: "0 9 * * *", tz: "UTC" },
      sessionTarget: "isolated",
      wakeMode: "now",
      payload: { kind: "agentTurn", message: "my own" },
      delivery: { mode: "none" },
    });
    const task = {
      id: `task-${word()}`,
      title: "Every ten seconds",
      cron: "*/10 * * * * *",
      timeZone: "Europe/Berlin",
      prompt: `scheduled-${word()}`,
      enabled: true,
    };
    const sync = {
      type: "schedules.sync",
      tasks: [task],
      workingHours: {
        days: [1, 2, 3, 4, 5],
        start: "09:00",
        end: "17:00",
        timeZone: "Europe/Berlin",
      },
      paused: false,
    };
    expect(await command(sync)).toMatchObject({ ok: true });
    const jobs = await listJobs(probe);
    expect(jobs.filter((j) => j.name === `iw:${task.id}`)).toHaveLength(1);
    expect(jobs.some((j) => j.name === "mine")).toBe(true);
    const run = await until(
      "work.run",
      () => frames.find((f) => f.type === "work.run" && f.taskId === task.id),
      60_000,
    );
    console.log(
      `[trust] scheduled run: fired → work.run at the edge ${run.at - (run.startedAt as number)} ms, ended → work.run ${run.at - (run.endedAt as number)} ms (${String(run.outcome)}: ${String(run.summary).slice(0, 80)})`,
    );
    expect(run).toMatchObject({ outcome: "done" });
    expect(run.endedAt as number).toBeGreaterThanOrEqual(run.startedAt as number);
    // The same sync again changes nothing; the heartbeat follows the working hours.
    expect(await command(sync)).toMatchObject({ ok: true });
    const again = await listJobs(probe);
    expect(again.find((j) => j.name === `iw:${task.id}`)?.id).toBe(
      jobs.find((j) => j.name === `iw:${task.id}`)?.id,
    );
    const config = JSON.parse(
      docker("exec", `iw-employee-${spec.employeeId}`, "cat", `/data/${STATE_DIR}/openclaw.json`),
    );
    expect(config.agents.defaults.heartbeat).toMatchObject({
      every: "30m",
      activeHours: { start: "09:00", end: "17:00", timezone: "Europe/Berlin" },
    });
    // Paused: every task off and no heartbeat; then none at all: ours gone, the employee's kept.
    expect(await command({ ...sync, paused: true })).toMatchObject({ ok: true });
    expect((await listJobs(probe)).find((j) => j.name === `iw:${task.id}`)?.enabled).toBe(false);
    expect(await command({ ...sync, tasks: [], workingHours: null })).toMatchObject({ ok: true });
    const last = await listJobs(probe);
    expect(last.some((j) => j.name.startsWith("iw:"))).toBe(false);
    expect(last.some((j) => j.name === "mine")).toBe(true);
    const runs = frames.filter((f) => f.type === "work.run" && f.taskId === task.id);
    expect(new Set(runs.map((f) => f.runKey)).size).toBe(runs.length);
  }, 120_000);
});
