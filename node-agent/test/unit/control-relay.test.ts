// The control relay (issue 18) over a fake gateway client and the fake runtime: approval events
// and runs become frames the edge accepts (hostile ones cost nothing), every hello backfills
// what is pending and the runs missed, decisions reach the right method with not-found mapped to
// approval_not_found, schedules.sync lists, changes and writes the heartbeat, a stop closes it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AgentEvent,
  type CommandFrame,
  parseAgentFrame,
} from "../../../edge/protocol/frames.ts";
import { ControlRelay } from "../../employee/control-relay.ts";
import type { GatewayClientOptions } from "../../employee/gateway-client.ts";
import { GatewayDevices } from "../../employee/gateway-devices.ts";
import { GatewayError } from "../../employee/gateway-error.ts";
import { CONTROL_PROFILE } from "../../employee/gateway-handshake.ts";
import { AGENT_CONTROL_USER } from "../../employee/openclaw-config.ts";
import { ScheduleState } from "../../employee/schedule-state.ts";
import { createLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import type { TarEntry } from "../../runtime/tar.ts";
import { FakeRuntime } from "../fake-runtime.ts";

const log = createLogger("silent");
const NOW = 10_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Answer = (params: Record<string, unknown>) => unknown;
class FakeClient {
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  closed = false;
  readonly opts: GatewayClientOptions;
  readonly answers: Map<string, Answer>;
  constructor(opts: GatewayClientOptions, answers: Map<string, Answer>) {
    this.opts = opts;
    this.answers = answers;
  }
  async connect() {
    return {
      serverVersion: "2026.9.6",
      scopes: [],
      mainSessionKey: undefined,
      modelConfigured: true,
      maxPayload: 1,
      connectMs: 1,
    };
  }
  async request(method: string, params: Record<string, unknown>) {
    this.calls.push({ method, params });
    const answer = this.answers.get(method);
    if (!answer) throw new GatewayError("INVALID_REQUEST", `unknown method ${method}`);
    return answer(params);
  }
  async close() {
    this.closed = true;
  }
}

const notFound = () => {
  throw GatewayError.from({
    code: "INVALID_REQUEST",
    message: "unknown or expired approval id",
    details: { reason: "APPROVAL_NOT_FOUND" },
  });
};

function setup(answers: Record<string, Answer> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "iw-control-"));
  dirs.push(dir);
  const runtime = new FakeRuntime();
  const written: TarEntry[][] = [];
  runtime.writeFiles = async (_id?: string, entries?: readonly TarEntry[]) => {
    written.push([...(entries ?? [])]);
  };
  const frames: AgentEvent[] = [];
  const clients: FakeClient[] = [];
  const table = new Map<string, Answer>(
    Object.entries({
      "exec.approval.list": () => [],
      "plugin.approval.list": () => [],
      "cron.list": () => ({ jobs: [], hasMore: false }),
      "cron.runs": () => ({ entries: [] }),
      ...answers,
    }),
  );
  const state = new ScheduleState(dir);
  const relay = new ControlRelay({
    runtime,
    devices: new GatewayDevices(dir),
    state,
    send: (f) => {
      const parsed = parseAgentFrame(JSON.stringify(f));
      if (!parsed.ok) throw new Error(`the edge would refuse ${f.type}: ${parsed.error}`);
      frames.push(f);
    },
    log,
    now: () => NOW,
    client: (opts) => {
      const c = new FakeClient(opts, table);
      clients.push(c);
      return c;
    },
  });
  return { runtime, relay, frames, clients, written, state, table };
}

const pending = (id: string, command: string) => ({
  id,
  request: { command, cwd: "/data/workspace", sessionKey: "agent:main:web:s1" },
  createdAtMs: NOW - 50,
  expiresAtMs: NOW + 1_800_000,
});
const settle = () => new Promise((r) => setTimeout(r, 10));

describe("the control relay", () => {
  it("backfills on every hello and turns events into frames, hostile ones into nothing", async () => {
    const { relay, frames, clients } = setup({
      "exec.approval.list": () => [pending("a1", "ls"), { id: "bad id" }],
      "plugin.approval.list": () => {
        throw new GatewayError("UNAVAILABLE", "down");
      },
      "cron.list": () => ({
        jobs: [{ id: "j1", name: "iw:t1", enabled: true, schedule: { kind: "cron" } }],
      }),
      "cron.runs": () => ({
        entries: [
          {
            ts: NOW - 1_000,
            jobId: "j1",
            action: "finished",
            status: "ok",
            runAtMs: NOW - 3_000,
            durationMs: 2_000,
          },
          { ts: NOW - 2 * 3_600_000, jobId: "j1", action: "finished", status: "ok", runAtMs: 5 },
        ],
      }),
    });
    relay.ensure("e1");
    relay.ensure("e1"); // one client per employee
    expect(clients).toHaveLength(1);
    const client = clients[0] as FakeClient;
    expect(client.opts).toMatchObject({ accountId: AGENT_CONTROL_USER, profile: CONTROL_PROFILE });
    client.opts.onOpen?.();
    await settle();
    expect(frames.map((f) => f.type)).toEqual(["approval.requested", "work.run"]);
    expect(frames[1]).toMatchObject({ taskId: "t1", runKey: `cron:j1:${NOW - 3_000}` });
    // A reconnect sends the pending one again (the edge keeps the first), not the run.
    client.opts.onOpen?.();
    await settle();
    expect(frames.map((f) => f.type)).toEqual([
      "approval.requested",
      "work.run",
      "approval.requested",
    ]);
    // Events as they come; garbage of every kind is ignored.
    const on = client.opts.onEvent as (n: string, p: unknown) => void;
    on("exec.approval.requested", pending("a2", "rm x"));
    on("exec.approval.resolved", { id: "a2", decision: "deny", resolvedBy: "someone" });
    for (const junk of [null, 5, "x", { id: {} }, { id: "a3", decision: "perhaps" }])
      for (const name of [
        "exec.approval.requested",
        "exec.approval.resolved",
        "plugin.approval.requested",
        "cron",
        "chat",
      ])
        on(name, junk);
    const finished = {
      jobId: "j2",
      action: "finished",
      job: { name: "iw:t2" },
      runAtMs: NOW,
      durationMs: 5,
      status: "error",
      error: "boom",
    };
    on("cron", finished);
    on("cron", finished); // the same run twice: one frame
    on("cron", { ...finished, job: { name: "someone-elses" } });
    expect(frames.slice(3)).toMatchObject([
      { type: "approval.requested", approvalId: "a2", details: { command: "rm x" } },
      { type: "approval.resolved", approvalId: "a2", decision: "deny", expired: false },
      { type: "work.run", taskId: "t2", outcome: "failed", summary: "boom" },
    ]);
    expect(frames).toHaveLength(6);
  });

  it("decides through the method of the approval's kind; OpenClaw's not-found is approval_not_found", async () => {
    const resolved: string[] = [];
    const { relay, clients } = setup({
      "exec.approval.resolve": (p) => {
        if (p.id !== "a1") notFound();
        resolved.push(`exec ${String(p.id)} ${String(p.decision)}`);
        return { ok: true };
      },
      "plugin.approval.resolve": (p) => {
        if (p.id !== "plugin:1") notFound();
        resolved.push(`plugin ${String(p.id)} ${String(p.decision)}`);
        return { ok: true };
      },
    });
    const cmd = (approvalId: string) =>
      ({
        type: "approval.resolve",
        id: "c",
        employeeId: "e1",
        approvalId,
        decision: "allow-always",
      }) as const;
    await relay.resolve(cmd("a1"));
    // A plugin's id, unseen: exec says not found, plugin takes it.
    await relay.resolve(cmd("plugin:1"));
    const err = await relay.resolve(cmd("gone")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: "approval_not_found", retryable: false });
    expect(resolved).toEqual(["exec a1 allow-always", "plugin plugin:1 allow-always"]);
    expect(
      (clients[0] as FakeClient).calls.map((c) => c.method).filter((m) => m.endsWith("resolve")),
    ).toEqual([
      "exec.approval.resolve",
      "exec.approval.resolve",
      "plugin.approval.resolve",
      "exec.approval.resolve",
      "plugin.approval.resolve",
    ]);
  });

  it("syncs schedules: not running keeps the heartbeat for later; running changes jobs and openclaw.json", async () => {
    const { relay, runtime, clients, written, state } = setup({
      "cron.add": () => ({ id: "new" }),
    });
    const sync: Extract<CommandFrame, { type: "schedules.sync" }> = {
      type: "schedules.sync",
      id: "s",
      employeeId: "e1",
      tasks: [
        {
          id: "t1",
          title: "Daily",
          cron: "0 9 * * *",
          timeZone: "UTC",
          prompt: "go",
          enabled: true,
        },
      ],
      workingHours: { days: [1], start: "08:00", end: "18:00", timeZone: "UTC" },
      paused: false,
    };
    const stopped = await relay.sync(sync).catch((e: unknown) => e);
    expect(stopped).toMatchObject({ code: "not_running", retryable: true });
    expect(state.heartbeat("e1")).toEqual({
      workingHours: { start: "08:00", end: "18:00", timeZone: "UTC" },
      paused: false,
    });
    runtime.endpoints.set("e1", { host: "127.0.0.1", port: 1 });
    runtime.readFiles = async () => ({
      entries: [
        {
          path: "openclaw/openclaw.json",
          type: "file" as const,
          size: 1,
          mtimeMs: 0,
          truncated: false,
          content: Buffer.from(
            JSON.stringify({ agents: { defaults: { workspace: "/w" } }, tools: {} }),
          ),
        },
      ],
      truncated: false,
    });
    await relay.sync({ ...sync, paused: true });
    const methods = (clients[0] as FakeClient).calls.map((c) => c.method);
    expect(methods).toEqual(["cron.list", "cron.add", "cron.list"]);
    expect((clients[0] as FakeClient).calls[1]?.params).toMatchObject({
      name: "iw:t1",
      enabled: false,
    });
    const config = JSON.parse(String(written[0]?.[0]?.content));
    expect(config).toEqual({
      agents: { defaults: { workspace: "/w", heartbeat: { every: "0m" } } },
      tools: {},
    });
    expect(written[0]?.[0]).toMatchObject({
      path: "openclaw/openclaw.json",
      mode: 0o600,
      uid: 1000,
    });
    // The same again: the heartbeat is unchanged, so openclaw.json is not written again.
    await relay.sync({ ...sync, paused: true });
    expect(written).toHaveLength(1);
  });

  it("closes the socket when the container stops, and forgets the heartbeat on removal", async () => {
    const { relay, runtime, clients, state } = setup();
    runtime.emit({ type: "started", employeeId: "e1", containerId: "c" });
    expect(clients).toHaveLength(1);
    runtime.emit({ type: "stopped", employeeId: "e1", containerId: "c", exitCode: 0 });
    await settle();
    expect((clients[0] as FakeClient).closed).toBe(true);
    state.put("e1", { workingHours: null, paused: true });
    await relay.forget("e1", { removed: true });
    expect(state.heartbeat("e1")).toBeNull();
    await relay.close();
  });
});
