// The agent's command executor over a fake runtime (no Docker): every command type is answered
// with a result frame the edge's parser accepts, failures are mapped to the protocol's error
// shape, a redelivered id joins the run in flight, and a verb that hangs holds up nothing else.
import { afterEach, describe, expect, it } from "vitest";
import {
  type CommandFrame,
  type EmployeeSpec,
  type Instance,
  type KnowledgeFile,
  type MemoryFile,
  parseAgentFrame,
  type ResultFrame,
} from "../../../edge/protocol/frames.ts";
import { CommandExecutor, type EmployeeFiles } from "../../hub/command-executor.ts";
import { createLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import type { TarEntry } from "../../runtime/tar.ts";
import { FakeRuntime } from "../fake-runtime.ts";

const log = createLogger("silent");
const spec = (employeeId: string): EmployeeSpec => ({
  employeeId,
  accountId: "u1",
  name: "Ada",
  role: "assistant",
  tone: "friendly",
  skills: [],
  llm: { baseUrl: "http://127.0.0.1:1/v1", apiKey: "iwk_0123456789abcdefghij" },
});
const file: KnowledgeFile = { id: "k1", name: "a.txt", size: 1, sha256: "0".repeat(64) };
const memory: MemoryFile[] = [
  { path: "MEMORY.md", content: "likes tea", size: 9, truncated: false, modifiedAt: 1 },
];

// What the runtime and the employee files were asked to do, in order.
class RecordingRuntime extends FakeRuntime {
  readonly calls: string[] = [];
  readonly written: TarEntry[][] = [];
  override async provision(s: EmployeeSpec): Promise<Instance> {
    this.calls.push(`provision ${s.employeeId}`);
    return super.provision(s);
  }
  override async start(id: string): Promise<Instance> {
    this.calls.push(`start ${id}`);
    return super.start(id);
  }
  override async stop(id: string): Promise<Instance> {
    this.calls.push(`stop ${id}`);
    return super.stop(id);
  }
  override async restart(id: string): Promise<Instance> {
    this.calls.push(`restart ${id}`);
    return { employeeId: id, containerId: "fake", state: "running" };
  }
  override async remove(id?: string): Promise<void> {
    this.calls.push(`remove ${id}`);
  }
  override async writeFiles(id?: string, entries?: readonly TarEntry[]): Promise<void> {
    this.calls.push(`writeFiles ${id}`);
    this.written.push([...(entries ?? [])]);
  }
}

function filesFor(runtime: RecordingRuntime): EmployeeFiles {
  return {
    configure: async (s) => {
      runtime.calls.push(`configure ${s.employeeId}`);
      return [{ path: "USER.md", content: Buffer.from(s.name) }];
    },
    knowledge: {
      sync: async (employeeId, accountId, own, shared) => {
        runtime.calls.push(`sync ${employeeId} ${accountId} ${own.length}+${shared.length}`);
      },
      readMemory: async (employeeId) => {
        runtime.calls.push(`readMemory ${employeeId}`);
        return memory;
      },
    },
    keys: {
      put: (employeeId) => void runtime.calls.push(`key put ${employeeId}`),
      delete: (employeeId) => void runtime.calls.push(`key delete ${employeeId}`),
    },
  };
}

// The result as the edge reads it: through the one parser of agent frames.
function onTheWire(result: ResultFrame): ResultFrame {
  const parsed = parseAgentFrame(JSON.stringify(result));
  if (!parsed.ok) throw new Error(`the edge would refuse this result: ${parsed.error}`);
  return parsed.frame as ResultFrame;
}

const pending: (() => void)[] = [];
afterEach(() => {
  for (const release of pending.splice(0)) release();
});

describe("the command executor", () => {
  it("answers every command type with a result the edge accepts", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log, filesFor(runtime));
    const commands: CommandFrame[] = [
      { type: "container.provision", id: "c1", employeeId: "e1", spec: spec("e1") },
      { type: "container.start", id: "c2", employeeId: "e1" },
      { type: "container.stop", id: "c3", employeeId: "e1" },
      { type: "container.restart", id: "c4", employeeId: "e1" },
      { type: "employee.configure", id: "c5", employeeId: "e1", spec: spec("e1") },
      {
        type: "knowledge.sync",
        id: "c6",
        employeeId: "e1",
        accountId: "u1",
        own: [file],
        shared: [],
      },
      { type: "memory.read", id: "c7", employeeId: "e1" },
      { type: "container.remove", id: "c8", employeeId: "e1" },
    ];
    const results = [];
    for (const c of commands) results.push(onTheWire(await executor.run(c)));
    expect(results).toEqual([
      {
        type: "result",
        id: "c1",
        ok: true,
        data: { employeeId: "e1", containerId: "fake", state: "running" },
      },
      {
        type: "result",
        id: "c2",
        ok: true,
        data: { employeeId: "e1", containerId: "fake", state: "running" },
      },
      {
        type: "result",
        id: "c3",
        ok: true,
        data: { employeeId: "e1", containerId: "fake", state: "stopped" },
      },
      {
        type: "result",
        id: "c4",
        ok: true,
        data: { employeeId: "e1", containerId: "fake", state: "running" },
      },
      { type: "result", id: "c5", ok: true },
      { type: "result", id: "c6", ok: true },
      { type: "result", id: "c7", ok: true, memory },
      { type: "result", id: "c8", ok: true },
    ]);
    // The key is kept before the container starts, and leaves with it.
    expect(runtime.calls).toEqual([
      "key put e1",
      "provision e1",
      "start e1",
      "stop e1",
      "restart e1",
      "configure e1",
      "writeFiles e1",
      "sync e1 u1 1+0",
      "readMemory e1",
      "remove e1",
      "key delete e1",
    ]);
    expect(runtime.written).toEqual([[{ path: "USER.md", content: Buffer.from("Ada") }]]);
    expect(executor.busy).toBe(0);
  });

  it("maps every failure to the protocol's error shape", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log, filesFor(runtime));
    runtime.start = async () => {
      throw new RuntimeError("image_missing", "no such image", false);
    };
    runtime.stop = async () => {
      throw new Error("socket hang up");
    };
    runtime.restart = () => {
      // Thrown before any promise exists.
      throw "a bare string";
    };
    runtime.remove = async () => {
      throw new RuntimeError("docker_error", "x".repeat(5000), true);
    };
    const error = async (c: CommandFrame) => {
      const r = onTheWire(await executor.run(c));
      return r.ok ? null : r.error;
    };
    expect(await error({ type: "container.start", id: "c1", employeeId: "e1" })).toEqual({
      code: "image_missing",
      message: "no such image",
      retryable: false,
    });
    expect(await error({ type: "container.stop", id: "c2", employeeId: "e1" })).toEqual({
      code: "agent_error",
      message: "socket hang up",
      retryable: true,
    });
    expect(await error({ type: "container.restart", id: "c3", employeeId: "e1" })).toEqual({
      code: "agent_error",
      message: "a bare string",
      retryable: true,
    });
    const long = await error({ type: "container.remove", id: "c4", employeeId: "e1" });
    expect(long?.message).toHaveLength(1000);
    expect(long).toMatchObject({ code: "docker_error", retryable: true });
    expect(executor.busy).toBe(0);
  });

  it("refuses a spec for another employee without touching the runtime", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log, filesFor(runtime));
    for (const type of ["container.provision", "employee.configure"] as const) {
      const r = await executor.run({ type, id: `x-${type}`, employeeId: "e1", spec: spec("e2") });
      expect(r).toMatchObject({ ok: false, error: { code: "bad_command", retryable: false } });
    }
    expect(runtime.calls).toEqual([]);
  });

  it("answers file commands as unsupported when the agent manages no files", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log);
    const commands: CommandFrame[] = [
      { type: "employee.configure", id: "f1", employeeId: "e1", spec: spec("e1") },
      { type: "knowledge.sync", id: "f2", employeeId: "e1", accountId: "u1", own: [], shared: [] },
      { type: "memory.read", id: "f3", employeeId: "e1" },
    ];
    for (const c of commands)
      expect(onTheWire(await executor.run(c))).toMatchObject({
        id: c.id,
        ok: false,
        error: { code: "unsupported", retryable: false },
      });
    // Lifecycle commands still work, keys or not.
    expect(
      await executor.run({
        type: "container.provision",
        id: "f4",
        employeeId: "e1",
        spec: spec("e1"),
      }),
    ).toMatchObject({ ok: true });
  });

  it("hands approvals and schedules to the control relay, and maps its refusals (issue 18)", async () => {
    const runtime = new RecordingRuntime();
    const asked: string[] = [];
    const executor = new CommandExecutor(runtime, log, {
      ...filesFor(runtime),
      control: {
        ensure: (id) => {
          asked.push(`ensure ${id}`);
          return undefined as never;
        },
        resolve: async (c) => {
          asked.push(`resolve ${c.approvalId} ${c.decision}`);
          if (c.approvalId === "gone")
            throw new RuntimeError("approval_not_found", "OpenClaw holds none", false);
        },
        sync: async (c) => void asked.push(`sync ${c.tasks.length} ${c.paused}`),
        forget: async (id, o) => void asked.push(`forget ${id} ${o?.removed === true}`),
      },
    });
    const resolve = (id: string, approvalId: string): CommandFrame => ({
      type: "approval.resolve",
      id,
      employeeId: "e1",
      approvalId,
      decision: "allow-once",
    });
    expect(onTheWire(await executor.run(resolve("a1", "ap-1")))).toEqual({
      type: "result",
      id: "a1",
      ok: true,
    });
    expect(onTheWire(await executor.run(resolve("a2", "gone")))).toMatchObject({
      ok: false,
      error: { code: "approval_not_found", retryable: false },
    });
    const sync: CommandFrame = {
      type: "schedules.sync",
      id: "s1",
      employeeId: "e1",
      tasks: [],
      workingHours: null,
      paused: true,
    };
    expect(onTheWire(await executor.run(sync))).toMatchObject({ ok: true });
    await executor.run({ type: "container.start", id: "s2", employeeId: "e1" });
    await executor.run({ type: "container.remove", id: "s3", employeeId: "e1" });
    expect(asked).toEqual([
      "resolve ap-1 allow-once",
      "resolve gone allow-once",
      "sync 0 true",
      "ensure e1",
      "forget e1 true",
    ]);
    // An agent without the relay says so.
    const bare = new CommandExecutor(runtime, log, filesFor(runtime));
    expect(onTheWire(await bare.run(resolve("a3", "ap-1")))).toMatchObject({
      ok: false,
      error: { code: "unsupported", retryable: false },
    });
  });

  it("joins a redelivered id still in flight, and runs it again once it is done", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    pending.push(release);
    const start = runtime.start.bind(runtime);
    runtime.start = async (id) => {
      await gate;
      return start(id);
    };
    const first = executor.run({ type: "container.start", id: "c1", employeeId: "e1" });
    const again = executor.run({ type: "container.start", id: "c1", employeeId: "e1" });
    expect(again).toBe(first);
    expect(executor.busy).toBe(1);
    release();
    expect(await again).toMatchObject({ id: "c1", ok: true });
    expect(runtime.calls).toEqual(["start e1"]);
    expect(executor.busy).toBe(0);
    // Done is done: the same id later (the result was lost on the way) runs the idempotent verb again.
    expect(
      await executor.run({ type: "container.start", id: "c1", employeeId: "e1" }),
    ).toMatchObject({ ok: true });
    expect(runtime.calls).toEqual(["start e1", "start e1"]);
  });

  it("keeps answering other commands while a verb hangs, and drains it when it ends", async () => {
    const runtime = new RecordingRuntime();
    const executor = new CommandExecutor(runtime, log);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    pending.push(release);
    runtime.provision = async (s) => {
      runtime.calls.push(`provision ${s.employeeId} (hangs)`);
      await gate;
      throw new RuntimeError("ready_timeout", "OpenClaw never became healthy", true);
    };
    const hung = executor.run({
      type: "container.provision",
      id: "p1",
      employeeId: "e1",
      spec: spec("e1"),
    });
    // The edge's deadline passed and it tries again with a new id; other employees carry on.
    const retry = executor.run({
      type: "container.provision",
      id: "p2",
      employeeId: "e1",
      spec: spec("e1"),
    });
    expect(
      await executor.run({ type: "container.stop", id: "s1", employeeId: "e2" }),
    ).toMatchObject({
      ok: true,
    });
    expect(executor.busy).toBe(2);
    let drained = false;
    const draining = executor.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(await hung).toMatchObject({
      id: "p1",
      ok: false,
      error: { code: "ready_timeout", retryable: true },
    });
    expect(await retry).toMatchObject({ id: "p2", ok: false });
    expect(executor.busy).toBe(0);
  });
});
