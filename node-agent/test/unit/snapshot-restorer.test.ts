import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentEvent, EmployeeSpec, Instance } from "../../../edge/protocol/frames.ts";
import { CommandExecutor } from "../../hub/command-executor.ts";
import { createLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import { FolderRestoreStates } from "../../runtime/process/folder-states.ts";
import { chunkOrder } from "../../snapshot/restore-writer.ts";
import { RestoreFailure, SnapshotRestorer } from "../../snapshot/snapshot-restorer.ts";
import { FakeRuntime } from "../fake-runtime.ts";
import {
  buildSnapshot,
  type RestoreEdge,
  startRestoreEdge,
  TEST_NODE_TOKEN,
  type TestFile,
} from "../restore-edge.ts";

// The whole restore (fetch, check, stage, swap, provision, roll back) against a loopback edge
// speaking the shared wire, over a runtime whose states are folders and whose verbs a test
// decides. The Docker tests (../snapshot-restore.test.ts) run the same against real disks.

const log = createLogger("silent");
const EMPLOYEE = "emp-1";
const spec: EmployeeSpec = {
  employeeId: EMPLOYEE,
  accountId: "acct-1",
  name: "Test",
  role: "researcher",
  tone: "concise",
  skills: [],
};

// A runtime whose employee "runs" on a data folder; it records what was asked of it.
class FolderRuntime extends FakeRuntime {
  readonly calls: string[] = [];
  failProvision: RuntimeError | null = null;
  state: Instance["state"] | null = "running";
  readonly restoreStates: FolderRestoreStates;
  readonly dataDir: (id: string) => string;
  constructor(dataDir: (id: string) => string) {
    super();
    this.dataDir = dataDir;
    this.restoreStates = new FolderRestoreStates(dataDir);
  }
  override async inventory(): Promise<Instance[]> {
    return this.state ? [{ employeeId: EMPLOYEE, containerId: "c1", state: this.state }] : [];
  }
  override async provision(s: { employeeId: string }): Promise<Instance> {
    this.calls.push("provision");
    if (this.failProvision) throw this.failProvision;
    this.state = "running";
    return { employeeId: s.employeeId, containerId: "c2", state: "running" };
  }
  override async start(id: string): Promise<Instance> {
    this.calls.push("start");
    this.state = "running";
    return { employeeId: id, containerId: "c1", state: "running" };
  }
  override async stop(id: string): Promise<Instance> {
    this.calls.push("stop");
    if (this.state) this.state = "stopped";
    return { employeeId: id, containerId: "c1", state: "stopped" };
  }
  override async remove(id?: string): Promise<void> {
    if (!id) return;
    this.calls.push("remove");
    this.state = null;
    rmSync(this.dataDir(id), { recursive: true, force: true });
  }
}

let edge: RestoreEdge;
let dir: string;
let runtime: FolderRuntime;
let events: AgentEvent[];
const live = () => path.join(dir, `${EMPLOYEE}-data`);
const restorer = (over: Partial<ConstructorParameters<typeof SnapshotRestorer>[0]> = {}) =>
  new SnapshotRestorer({
    runtime,
    edgeUrl: edge.url,
    nodeToken: TEST_NODE_TOKEN,
    send: (e) => events.push(e),
    log,
    ...over,
  });

const files: TestFile[] = [
  { type: "dir", path: "workspace/memory", mode: 0o755 },
  { type: "file", path: "workspace/memory/notes.md", content: "restored marker" },
  { type: "file", path: "openclaw/state.db", size: 3 * 1024 * 1024 + 17, seed: "db" },
  // 300 small files: more chunks than one request may ask for.
  ...Array.from(
    { length: 300 },
    (_, i): TestFile => ({
      type: "file",
      path: `workspace/files/f${i}.txt`,
      content: `file ${i}`,
    }),
  ),
];

function oldState(): void {
  mkdirSync(path.join(live(), "workspace/memory"), { recursive: true });
  writeFileSync(path.join(live(), "workspace/memory/notes.md"), "old marker");
}

async function failure(work: Promise<unknown>): Promise<RestoreFailure> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RestoreFailure);
  return err as RestoreFailure;
}

beforeAll(async () => {
  edge = await startRestoreEdge();
  edge.snapshots.set("snap-1", buildSnapshot("snap-1", EMPLOYEE, files));
});
afterAll(() => edge.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "iw-restorer-"));
  runtime = new FolderRuntime((id) => path.join(dir, `${id}-data`));
  events = [];
  edge.faults = {};
  edge.chunkRequests = 0;
  return () => rmSync(dir, { recursive: true, force: true });
});

describe("snapshot restorer", () => {
  it("restores in place: the old state replaced after the download, provisioned, the old one deleted", async () => {
    oldState();
    const instance = await restorer().restore({
      employeeId: EMPLOYEE,
      snapshotId: "snap-1",
      mode: "in_place",
      spec,
    });
    expect(instance.state).toBe("running");
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe(
      "restored marker",
    );
    expect(readFileSync(path.join(live(), "workspace/files/f299.txt"), "utf8")).toBe("file 299");
    expect(readdirSync(dir)).toEqual([`${EMPLOYEE}-data`]); // no staging, no previous left
    expect(runtime.calls).toEqual(["stop", "provision"]);
    expect(edge.chunkRequests).toBe(2); // 304 chunks, at most 256 per request
    const phases = events.map((e) => (e.type === "snapshot.progress" ? e.phase : e.type));
    expect(phases[0]).toBe("downloading");
  });

  it("refuses a corrupted chunk: snapshot_corrupt, the employee never stopped, nothing left", async () => {
    oldState();
    const snap = edge.snapshots.get("snap-1");
    edge.faults.corruptChunk = chunkOrder(
      snap?.manifest ?? buildSnapshot("x", "y", []).manifest,
    )[2];
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "in_place", spec }),
    );
    expect([err.code, err.retryable, err.rolledBack]).toEqual(["snapshot_corrupt", false, true]);
    expect(runtime.calls).toEqual([]);
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe("old marker");
    expect(readdirSync(dir)).toEqual([`${EMPLOYEE}-data`]);
  });

  it("leaves the old state when the edge dies halfway through the chunks", async () => {
    oldState();
    edge.faults.dieAfterBytes = 2 * 1024 * 1024;
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "in_place", spec }),
    );
    expect([err.code, err.retryable, err.rolledBack]).toEqual([
      "snapshot_fetch_failed",
      true,
      true,
    ]);
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe("old marker");
    expect(readdirSync(dir)).toEqual([`${EMPLOYEE}-data`]);
  });

  it("gives up on an edge that stalls at the fetch deadline, leaving the old state", async () => {
    oldState();
    edge.faults.stallAfterBytes = 1024 * 1024;
    const started = Date.now();
    const err = await failure(
      restorer({ fetchTimeoutMs: 1_500 }).restore({
        employeeId: EMPLOYEE,
        snapshotId: "snap-1",
        mode: "in_place",
        spec,
      }),
    );
    expect([err.code, err.retryable, err.rolledBack]).toEqual([
      "snapshot_fetch_timeout",
      true,
      true,
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(runtime.calls).toEqual([]);
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe("old marker");
    expect(readdirSync(dir)).toEqual([`${EMPLOYEE}-data`]);
  });

  it("refuses a manifest whose digest differs from the edge's, and a snapshot of another employee", async () => {
    edge.faults.wrongManifestDigest = true;
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "fresh", spec }),
    );
    expect(err.code).toBe("snapshot_corrupt");
    edge.faults = {};
    edge.snapshots.set("snap-other", buildSnapshot("snap-other", "emp-2", files.slice(0, 2)));
    const other = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-other", mode: "fresh", spec }),
    );
    expect(other.code).toBe("snapshot_corrupt");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a snapshot of a newer OpenClaw than the image's", async () => {
    edge.snapshots.set(
      "snap-new",
      buildSnapshot("snap-new", EMPLOYEE, files.slice(0, 2), { openclawVersion: "2026.10.1" }),
    );
    runtime.restoreStates.openclawVersion = async () => "2026.9.6";
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-new", mode: "fresh", spec }),
    );
    expect([err.code, err.retryable]).toEqual(["snapshot_too_new", false]);
  });

  it("swaps the old state back and starts it when the restored employee does not get ready", async () => {
    oldState();
    runtime.failProvision = new RuntimeError("not_ready", "not healthy in time", true);
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "in_place", spec }),
    );
    expect([err.code, err.rolledBack]).toEqual(["not_ready", true]);
    expect(runtime.calls).toEqual(["stop", "provision", "stop", "start"]);
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe("old marker");
    expect(readdirSync(dir)).toEqual([`${EMPLOYEE}-data`]);
  });

  it("a stopped employee whose restore fails stays stopped", async () => {
    oldState();
    runtime.state = "stopped";
    runtime.failProvision = new RuntimeError("container_exited", "exited", true);
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "in_place", spec }),
    );
    expect(err.rolledBack).toBe(true);
    expect(runtime.calls).toEqual(["stop", "provision", "stop"]);
  });

  it("restores fresh onto a node without the employee, and removes everything when it fails", async () => {
    runtime.state = null;
    await restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "fresh", spec });
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe(
      "restored marker",
    );
    expect(runtime.calls).toEqual(["provision"]);

    rmSync(live(), { recursive: true });
    runtime.state = null;
    runtime.calls.length = 0;
    runtime.failProvision = new RuntimeError("not_ready", "not healthy in time", true);
    const err = await failure(
      restorer().restore({ employeeId: EMPLOYEE, snapshotId: "snap-1", mode: "fresh", spec }),
    );
    expect(err.rolledBack).toBe(false);
    expect(runtime.calls).toEqual(["provision", "remove"]);
    expect(existsSync(live())).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("puts back a state a crash left moved aside before the next restore", async () => {
    oldState();
    const { rename } = await import("node:fs/promises");
    await rename(live(), `${live()}.previous`);
    await runtime.restoreStates.recover(EMPLOYEE);
    expect(readFileSync(path.join(live(), "workspace/memory/notes.md"), "utf8")).toBe("old marker");
  });

  it("the executor answers container.restore with the instance, or the error and rolledBack", async () => {
    oldState();
    const sent: AgentEvent[] = [];
    const exec = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => undefined, readMemory: async () => [] },
      restores: restorer({ send: (e) => sent.push(e) }),
    });
    const command = {
      type: "container.restore" as const,
      id: "cmd-1",
      employeeId: EMPLOYEE,
      snapshotId: "snap-1",
      mode: "in_place" as const,
      spec,
      generation: 3,
    };
    const ok = await exec.run(command);
    expect(ok).toMatchObject({ ok: true, data: { state: "running" } });
    runtime.failProvision = new RuntimeError("not_ready", "not healthy", true);
    const bad = await exec.run({ ...command, id: "cmd-2" });
    expect(bad).toMatchObject({ ok: false, error: { code: "not_ready" }, rolledBack: true });
    const foreign = await exec.run({ ...command, id: "cmd-3", spec: { ...spec, employeeId: "x" } });
    expect(foreign).toMatchObject({ ok: false, error: { code: "bad_command" } });
    expect(foreign).not.toHaveProperty("rolledBack");
  });

  it("the executor forgets the key of a fresh restore that left nothing here, and keeps it otherwise", async () => {
    const keys = new Map<string, string>();
    const exec = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => undefined, readMemory: async () => [] },
      keys: { put: (id, key) => void keys.set(id, key), delete: (id) => void keys.delete(id) },
      restores: restorer(),
    });
    const llm = { baseUrl: "http://relay.test/v1", apiKey: "k".repeat(32) };
    const command = {
      type: "container.restore" as const,
      id: "cmd-k1",
      employeeId: EMPLOYEE,
      snapshotId: "snap-1",
      mode: "fresh" as const,
      spec: { ...spec, llm },
    };
    runtime.state = null;
    runtime.failProvision = new RuntimeError("not_ready", "not healthy", true);
    expect(await exec.run(command)).toMatchObject({ ok: false, rolledBack: false });
    expect(keys.has(EMPLOYEE)).toBe(false);
    runtime.failProvision = null;
    expect(await exec.run({ ...command, id: "cmd-k2" })).toMatchObject({ ok: true });
    expect(keys.get(EMPLOYEE)).toBe(llm.apiKey);
  });
});
