import { beforeEach, describe, expect, it } from "vitest";
import {
  type Entropy,
  type LifecycleEffect,
  type LifecycleInput,
  type Transition,
  transition,
} from "../../objects/employee-lifecycle.ts";
import type { EmployeeRecord } from "../../objects/employee-record.ts";
import { COMMAND_TIMEOUT_MS, MAX_COMMAND_ATTEMPTS } from "../../objects/employee-timeouts.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../../protocol/snapshot-timeouts.ts";

// Backups, restores and moves (issue 16) as plain functions: a record, an input, a clock.

const T0 = Date.UTC(2026, 0, 1);
const SNAP_AT = T0 - 60_000;
let clock = T0;
let ids = 0;
const entropy: Entropy = { id: () => `cmd-${++ids}`, jitter: () => 1 };

beforeEach(() => {
  clock = T0;
  ids = 0;
});

const step = (r: EmployeeRecord | undefined, input: LifecycleInput): Transition =>
  transition(r, input, clock, entropy);

// Applies an input and its continuations, as the EmployeeDO does.
function run(record: EmployeeRecord | undefined, input: LifecycleInput) {
  const out = step(record, input);
  let r = out.record;
  const effects: LifecycleEffect[] = [];
  for (const e of out.effects) {
    if (e.type !== "then") {
      effects.push(e);
      continue;
    }
    const next = run(r, e.input);
    r = next.record;
    effects.push(...next.effects);
  }
  return { record: must(r), effects, refused: out.refused };
}

const must = (r: EmployeeRecord | undefined): EmployeeRecord => {
  if (!r) throw new Error("expected a record");
  return r;
};
const kinds = (effects: LifecycleEffect[]) => effects.map((e) => e.type).filter((t) => t !== "log");
const commandOf = (effects: LifecycleEffect[]) =>
  effects.flatMap((e) => (e.type === "command" ? [e] : []))[0];

// Running on n1, placed once (generation 1).
function running(): EmployeeRecord {
  let r = must(
    step(undefined, {
      type: "create",
      employee: { id: "e1", accountId: "a1", name: "Lin", role: "r", tone: "t", skills: [] },
    }).record,
  );
  r = must(step(r, { type: "placed", employeeId: "e1", nodeId: "n1", generation: 1 }).record);
  return must(
    step(r, {
      type: "command_result",
      nodeId: "n1",
      result: {
        id: r.op?.commandId ?? "",
        ok: true,
        data: { employeeId: "e1", containerId: "c1", state: "running" },
      },
    }).record,
  );
}

const ok = (r: EmployeeRecord, nodeId: string, extra: Record<string, unknown> = {}) =>
  run(r, {
    type: "command_result",
    nodeId,
    result: { id: r.op?.commandId ?? "", ok: true, ...extra },
  });

describe("node lost", () => {
  it("releases the slot, places elsewhere excluding the lost node, and restores the latest snapshot under generation + 1", () => {
    const r = running();
    expect(r.generation).toBe(1);
    const lost = run(r, { type: "relocate", reason: "node_lost", fromNodeId: "n1" });
    expect(lost.record).toMatchObject({
      status: "restoring",
      step: "waiting_for_lost_server",
      nodeId: null,
      op: { kind: "place" },
    });
    expect(lost.effects).toEqual([
      { type: "release_slot", nodeId: "n1", employeeId: "e1" },
      { type: "place", first: true, exclude: ["n1"] },
    ]);

    const placed = run(lost.record, {
      type: "placed",
      employeeId: "e1",
      nodeId: "n2",
      generation: 2,
    });
    expect(placed.record).toMatchObject({
      nodeId: "n2",
      generation: 2,
      step: "moving_to_new_server",
    });
    expect(kinds(placed.effects)).toEqual(["find_latest_snapshot"]);

    const restoring = run(placed.record, {
      type: "latest_snapshot",
      snapshot: { id: "s1", createdAt: SNAP_AT },
    });
    expect(restoring.record).toMatchObject({
      step: "fetching_snapshot",
      restore: { mode: "fresh", snapshotId: "s1" },
      op: { kind: "container.restore", wakeAt: T0 + COMMAND_TIMEOUT_MS["container.restore"] },
    });
    expect(commandOf(restoring.effects)?.kind).toBe("container.restore");

    // Progress moves its step.
    const swapping = run(restoring.record, {
      type: "event",
      nodeId: "n2",
      event: {
        type: "snapshot.progress",
        employeeId: "e1",
        containerId: null,
        snapshotId: "s1",
        phase: "swapping",
        bytesDone: 1,
        bytesTotal: 1,
      },
    });
    expect(swapping.record.step).toBe("swapping_state");

    const done = ok(swapping.record, "n2", {
      data: { employeeId: "e1", containerId: "c2", state: "running" },
    });
    expect(done.record).toMatchObject({
      status: "running",
      nodeId: "n2",
      containerId: "c2",
      restoredFrom: SNAP_AT,
      restore: null,
      restoreOnStart: false,
      statusReason: null,
    });
  });

  it("provisions afresh when there is no snapshot, and says so", () => {
    let r = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    r = run(r, { type: "placed", employeeId: "e1", nodeId: "n2", generation: 2 }).record;
    const fresh = run(r, { type: "latest_snapshot", snapshot: null });
    expect(commandOf(fresh.effects)?.kind).toBe("container.provision");
    const done = ok(fresh.record, "n2");
    expect(done.record.status).toBe("running");
    expect(done.record.statusReason).toMatch(/No backup of it existed/);
    expect(done.record.restoredFrom ?? null).toBeNull();
  });

  it("moves a stopped employee lazily: nothing runs until Start, which restores its latest snapshot", () => {
    let r = running();
    r = run(r, { type: "stop" }).record;
    r = ok(r, "n1").record;
    expect(r.status).toBe("stopped");
    const lost = run(r, { type: "relocate", reason: "node_lost", fromNodeId: "n1" });
    expect(lost.record).toMatchObject({ status: "stopped", nodeId: null, restoreOnStart: true });
    expect(kinds(lost.effects)).toEqual(["release_slot"]);

    const started = run(lost.record, { type: "provision" });
    expect(started.record).toMatchObject({ status: "restoring", step: "finding_server" });
    expect(kinds(started.effects)).toEqual(["place"]);
    const placed = run(started.record, {
      type: "placed",
      employeeId: "e1",
      nodeId: "n3",
      generation: 2,
    });
    expect(kinds(placed.effects)).toEqual(["find_latest_snapshot"]);
  });

  it("ignores a relocation from a node the employee is not on", () => {
    const out = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n9" });
    expect(out.refused?.code).toBe("invalid_state");
    expect(out.record.nodeId).toBe("n1");
  });
});

describe("stale generations and results", () => {
  it("never adopts an inventory entry of an older generation", () => {
    let r = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    r = run(r, { type: "placed", employeeId: "e1", nodeId: "n2", generation: 2 }).record;
    r = run(r, { type: "latest_snapshot", snapshot: { id: "s1", createdAt: SNAP_AT } }).record;
    r = ok(r, "n2", { data: { employeeId: "e1", containerId: "c2", state: "running" } }).record;
    const stale = step(r, {
      type: "inventory",
      nodeId: "n2",
      instance: { employeeId: "e1", containerId: "old", state: "stopped", generation: 1 },
    });
    expect(stale.record).toBe(r);
    expect(stale.effects.map((e) => e.type)).toEqual(["log"]);
    // The current generation's report is heard.
    const current = step(r, {
      type: "inventory",
      nodeId: "n2",
      instance: { employeeId: "e1", containerId: "c2", state: "stopped", generation: 2 },
    });
    expect(current.record?.status).toBe("unhealthy");
  });

  it("ignores results from the node it left and snapshot results it did not ask for", () => {
    const r = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    const late = step(r, {
      type: "command_result",
      nodeId: "n1",
      result: { id: "cmd-1", ok: true },
    });
    expect(late.record).toBe(r);
    const snap = step(r, {
      type: "snapshot_result",
      nodeId: "n1",
      result: { id: "cmd-x", ok: true },
    });
    expect(snap.record).toBe(r);
  });
});

describe("backups", () => {
  it("opens one snapshot at a time, keeps the employee running, and discards a skipped one", () => {
    const r = running();
    const asked = run(r, { type: "backup_requested", kind: "manual" });
    expect(asked.effects).toEqual([{ type: "open_snapshot", kind: "manual" }]);
    const opened = run(r, {
      type: "snapshot_opened",
      kind: "scheduled",
      snapshot: { id: "s1", createdAt: T0 },
    });
    expect(opened.record).toMatchObject({
      status: "running",
      backup: {
        snapshotId: "s1",
        nodeId: "n1",
        stopFirst: false,
        deadline: T0 + SNAPSHOT_TIMEOUT_MS,
      },
    });
    expect(kinds(opened.effects)).toEqual(["snapshot_command"]);
    // A second request is answered with the one in flight.
    expect(run(opened.record, { type: "backup_requested", kind: "manual" }).effects).toEqual([]);
    // It may be stopped meanwhile.
    expect(run(opened.record, { type: "stop" }).refused).toBeUndefined();

    const skipped = run(opened.record, {
      type: "snapshot_result",
      nodeId: "n1",
      result: {
        id: opened.record.backup?.commandId ?? "",
        ok: true,
        snapshot: {
          snapshotId: "s1",
          skipped: true,
          logicalBytes: 0,
          storedBytes: 0,
          fileCount: 0,
        },
      },
    });
    expect(skipped.record).toMatchObject({ status: "running", backup: null });
    expect(skipped.effects).toEqual([
      { type: "settle_snapshot", snapshotId: "s1", outcome: "skipped" },
    ]);
  });

  it("fails a snapshot past SNAPSHOT_TIMEOUT_MS, and not before", () => {
    const r = run(running(), {
      type: "snapshot_opened",
      kind: "manual",
      snapshot: { id: "s1", createdAt: T0 },
    }).record;
    clock = T0 + SNAPSHOT_TIMEOUT_MS - 1;
    expect(run(r, { type: "alarm" }).record.backup).not.toBeNull();
    clock = T0 + SNAPSHOT_TIMEOUT_MS;
    const out = run(r, { type: "alarm" });
    expect(out.record).toMatchObject({ status: "running", backup: null });
    expect(out.effects[0]).toMatchObject({
      type: "settle_snapshot",
      outcome: "failed",
      error: expect.stringMatching(/within 15 minutes/),
    });
  });

  it("is refused while the employee is being restored, and unchanged once moved while stopped", () => {
    const r = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    expect(run(r, { type: "backup_requested", kind: "manual" }).refused?.code).toBe("busy");
    let stopped = run(running(), { type: "stop" }).record;
    stopped = ok(stopped, "n1").record;
    stopped = run(stopped, { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    expect(run(stopped, { type: "backup_requested", kind: "manual" }).refused?.code).toBe(
      "unchanged",
    );
  });

  it("a hold that came while it moved stops it once it runs", () => {
    let r = run(running(), { type: "relocate", reason: "node_lost", fromNodeId: "n1" }).record;
    r = run(r, { type: "hold", reason: "Unpaid." }).record;
    r = run(r, { type: "placed", employeeId: "e1", nodeId: "n2", generation: 2 }).record;
    r = run(r, { type: "latest_snapshot", snapshot: { id: "s1", createdAt: SNAP_AT } }).record;
    const done = ok(r, "n2");
    expect(done.record).toMatchObject({ status: "stopping", desired: "stopped" });
    expect(commandOf(done.effects)?.kind).toBe("container.stop");
  });
});

describe("restore in place", () => {
  const requested = (snapshotFirst: boolean) =>
    run(running(), {
      type: "restore_requested",
      snapshot: { id: "s0", createdAt: SNAP_AT },
      snapshotFirst,
    });

  function sentRestore(): EmployeeRecord {
    const asked = requested(true);
    expect(asked.record).toMatchObject({ status: "restoring", step: "taking_snapshot" });
    expect(asked.effects).toEqual([{ type: "open_snapshot", kind: "pre_restore" }]);
    const opened = run(asked.record, {
      type: "snapshot_opened",
      kind: "pre_restore",
      snapshot: { id: "pre", createdAt: T0 },
    });
    const b = must(opened.record).backup;
    const snapped = run(opened.record, {
      type: "snapshot_result",
      nodeId: "n1",
      result: { id: b?.commandId ?? "", ok: true },
    });
    expect(snapped.effects[0]).toEqual({
      type: "settle_snapshot",
      snapshotId: "pre",
      outcome: "ok",
    });
    expect(snapped.record).toMatchObject({
      step: "fetching_snapshot",
      restore: { mode: "in_place", snapshotId: "s0" },
    });
    expect(commandOf(snapped.effects)?.kind).toBe("container.restore");
    return snapped.record;
  }

  it("takes a pre_restore snapshot of now, then restores in place and shows where from", () => {
    const done = ok(sentRestore(), "n1");
    expect(done.record).toMatchObject({
      status: "running",
      restoredFrom: SNAP_AT,
      generation: 1,
    });
  });

  it("skips the snapshot of now when its server is not there", () => {
    const asked = requested(false);
    expect(commandOf(asked.effects)?.kind).toBe("container.restore");
  });

  it("restores anyway when the agent finds no state to snapshot first, but not on other failures", () => {
    const failWith = (code: string) => {
      const asked = requested(true);
      const opened = run(asked.record, {
        type: "snapshot_opened",
        kind: "pre_restore",
        snapshot: { id: "pre", createdAt: T0 },
      });
      const b = must(opened.record).backup;
      return run(opened.record, {
        type: "snapshot_result",
        nodeId: "n1",
        result: {
          id: b?.commandId ?? "",
          ok: false,
          error: { code, message: "this employee has no state on this node", retryable: false },
        },
      });
    };
    const gone = failWith("container_missing");
    expect(gone.effects[0]).toMatchObject({ snapshotId: "pre", outcome: "failed" });
    expect(gone.record).toMatchObject({ status: "restoring", step: "fetching_snapshot" });
    expect(commandOf(gone.effects)?.kind).toBe("container.restore");
    const broken = failWith("snapshot_failed");
    expect(commandOf(broken.effects)).toBeUndefined();
    expect(broken.record).toMatchObject({ restore: null });
    expect(broken.record.statusReason).toMatch(/could not be backed up first/);
  });

  it("a failure the agent rolled back leaves it running as before, saying so", () => {
    const r = sentRestore();
    const out = run(r, {
      type: "command_result",
      nodeId: "n1",
      result: {
        id: r.op?.commandId ?? "",
        ok: false,
        error: { code: "chunk_missing", message: "a chunk was missing", retryable: true },
        rolledBack: true,
      },
    });
    expect(out.record).toMatchObject({ status: "running", restore: null, op: null });
    expect(out.record.statusReason).toMatch(/failed and nothing changed: a chunk was missing/);
  });

  it("a failure without rollback ends in error with its reason", () => {
    const r = sentRestore();
    const out = run(r, {
      type: "command_result",
      nodeId: "n1",
      result: {
        id: r.op?.commandId ?? "",
        ok: false,
        error: { code: "disk", message: "disk full", retryable: false },
      },
    });
    expect(out.record).toMatchObject({ status: "error", restore: null });
    expect(out.record.statusReason).toMatch(/Restoring the employee failed: disk full/);
  });

  it("gives up after its deadline and retries, then ends readable", () => {
    let r = sentRestore();
    for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
      clock = (r.op?.wakeAt ?? clock) + 1;
      r = run(r, { type: "alarm" }).record;
      if (attempt < MAX_COMMAND_ATTEMPTS) {
        clock = (r.op?.wakeAt ?? clock) + 1;
        r = run(r, { type: "alarm" }).record; // the retry is sent
        expect(r.op).toMatchObject({ kind: "container.restore", attempt: attempt + 1 });
      }
    }
    expect(r.status).toBe("error");
    expect(r.statusReason).toMatch(/did not finish within/);
  });

  it("does not start when the snapshot of now fails: nothing changed", () => {
    const asked = requested(true);
    clock = T0 + SNAPSHOT_TIMEOUT_MS + 1;
    const out = run(asked.record, { type: "alarm" });
    expect(out.record).toMatchObject({ status: "running", restore: null, op: null });
    expect(out.record.statusReason).toMatch(/Nothing changed/);
  });
});

describe("drain", () => {
  function finalSnapshot(): EmployeeRecord {
    const asked = run(running(), { type: "relocate", reason: "drain", fromNodeId: "n1" });
    expect(asked.effects).toEqual([{ type: "open_snapshot", kind: "final" }]);
    const opened = run(asked.record, {
      type: "snapshot_opened",
      kind: "final",
      snapshot: { id: "fin", createdAt: T0 },
    });
    expect(opened.record.backup).toMatchObject({ stopFirst: true, nodeId: "n1" });
    const snapped = run(opened.record, {
      type: "snapshot_result",
      nodeId: "n1",
      result: { id: opened.record.backup?.commandId ?? "", ok: true },
    });
    expect(snapped.effects.at(-1)).toEqual({ type: "place", first: true, exclude: ["n1"] });
    return run(snapped.record, { type: "placed", employeeId: "e1", nodeId: "n2", generation: 2 })
      .record;
  }

  it("final snapshot with the employee stopped, restore on the target, then the source's copy goes", () => {
    const r = finalSnapshot();
    expect(r).toMatchObject({ nodeId: "n2", generation: 2, restore: { snapshotId: "fin" } });
    const done = ok(r, "n2");
    expect(done.record).toMatchObject({ status: "running", nodeId: "n2", restoredFrom: T0 });
    expect(done.effects).toContainEqual({ type: "remove_from_source", nodeId: "n1" });
  });

  it("a target that fails gives the employee back to its source under a new generation", () => {
    const r = finalSnapshot();
    const out = run(r, {
      type: "command_result",
      nodeId: "n2",
      result: {
        id: r.op?.commandId ?? "",
        ok: false,
        error: { code: "x", message: "no disk", retryable: false },
      },
    });
    expect(out.record).toMatchObject({ nodeId: "n1", generation: 3, status: "restarting" });
    expect(out.effects).toContainEqual({ type: "release_slot", nodeId: "n2", employeeId: "e1" });
    expect(out.effects).toContainEqual({ type: "reserve_again", nodeId: "n1", generation: 3 });
    expect(commandOf(out.effects)?.kind).toBe("container.start");
    const back = ok(out.record, "n1");
    expect(back.record.status).toBe("running");
    expect(back.record.statusReason).toMatch(/Moving it to another server failed/);
  });

  it("a source lost while its employee moves gives up its slot, and a failing target ends readable", () => {
    const r = finalSnapshot();
    const lost = run(r, { type: "relocate", reason: "node_lost", fromNodeId: "n1" });
    expect(lost.effects).toEqual([{ type: "release_slot", nodeId: "n1", employeeId: "e1" }]);
    expect(lost.record.restore).toMatchObject({ sourceNodeId: null, reason: "node_lost" });
    const failed = run(lost.record, {
      type: "command_result",
      nodeId: "n2",
      result: {
        id: lost.record.op?.commandId ?? "",
        ok: false,
        error: { code: "x", message: "no disk", retryable: false },
      },
    });
    expect(failed.record).toMatchObject({ status: "error", nodeId: "n2", restoreOnStart: true });
  });

  it("an employee in the middle of something is moved later", () => {
    const r = run(running(), { type: "restart" }).record;
    expect(run(r, { type: "relocate", reason: "drain", fromNodeId: "n1" }).refused?.code).toBe(
      "busy",
    );
  });
});
