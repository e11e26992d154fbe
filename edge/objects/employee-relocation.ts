import type { EmployeeRecord } from "./employee-record.ts";
import { RETRY_BACKOFF_MAX_MS } from "./employee-timeouts.ts";
import {
  type LifecycleEffect,
  log,
  type Moment,
  missing,
  none,
  refuse,
  type SnapshotRef,
  send,
  type Transition,
  to,
} from "./lifecycle-effects.ts";
import {
  placeFor,
  plan,
  sendRestore,
  waitForRoom,
  waitForSnapshot,
  withLog,
} from "./relocation-steps.ts";

// Restores and moves (issue 16), as pure transitions. Status `restoring` throughout, each step a
// lifecycle state with its own deadline:
// - in place (a person chose a snapshot): taking_snapshot (a pre_restore snapshot of now, when
//   its server is there) → container.restore {in_place} (fetching_snapshot, swapping_state). A
//   failure the agent rolled back leaves it as it was, saying so; any other failure is `error`.
// - node lost: waiting_for_lost_server (slot released, another node found, generation + 1) →
//   moving_to_new_server → container.restore {fresh} from the latest complete snapshot, or a
//   blank provision when there is none (the status says so). The provision mints a new key.
// - drain: taking_snapshot (final, stopping it first) on the source → placed elsewhere →
//   container.restore {fresh} on the target → the source's copy removed and its slot released.
//   If the target fails, the source starts it again under a new generation.
// An employee that was not meant to run is moved lazily: its slot is released and the next start
// restores its latest snapshot wherever it lands (`restoreOnStart`); nothing runs meanwhile.

export function relocate(
  at: Moment,
  r: EmployeeRecord | undefined,
  reason: "node_lost" | "drain",
  fromNodeId: string | undefined,
): Transition {
  if (!r) return missing;
  const from = fromNodeId ?? r.nodeId;
  const onIt = from !== null && (r.nodeId === from || r.restore?.sourceNodeId === from);
  if (!onIt || !from) return refuse(r, "It is not on that server.");
  return reason === "node_lost" ? nodeLost(at, r, from) : drain(at, r, from);
}

function nodeLost(at: Moment, r: EmployeeRecord, lost: string): Transition {
  // Being fired: what is on the lost node is gone with it (its agent removes it if it returns).
  if (r.status === "removing") return to(r, { type: "finish_removal" });
  // Already moving off it (a drain whose target has it now): the lost source's slot goes at
  // once, and a target that fails can no longer give it back there.
  if (r.status === "restoring" && r.restore && r.nodeId !== lost) {
    const p = r.restore;
    return to(
      { ...r, restore: { ...p, reason: "node_lost", sourceNodeId: null, excludeNodeId: lost } },
      { type: "release_slot", nodeId: lost, employeeId: r.id },
    );
  }
  const effects: LifecycleEffect[] = [{ type: "release_slot", nodeId: lost, employeeId: r.id }];
  if (r.backup?.nodeId === lost)
    effects.push({
      type: "settle_snapshot",
      snapshotId: r.backup.snapshotId,
      outcome: "failed",
      error: "Its server stopped answering.",
    });
  const gone: EmployeeRecord = { ...r, nodeId: null, containerId: null, backup: null, op: null };
  const meantToRun = r.desired === "running" && !["error", "stopped", "none"].includes(r.status);
  if (!meantToRun)
    return to(
      {
        ...gone,
        status: r.status === "stopping" || r.status === "restoring" ? "stopped" : r.status,
        step: null,
        restore: null,
        restoreOnStart: true,
        waitingSince: null,
      },
      ...effects,
    );
  // A person's restore under way keeps its snapshot; otherwise the latest is found once placed.
  const chosen = r.restore?.reason === "manual" ? r.restore : null;
  const next: EmployeeRecord = {
    ...gone,
    status: "restoring",
    statusReason: null,
    restoreOnStart: true,
    restore: plan(r, {
      reason: "node_lost",
      snapshotId: chosen?.snapshotId ?? null,
      snapshotAt: chosen?.snapshotAt ?? null,
      before: chosen?.before ?? r.status,
      wasRunning: true,
      excludeNodeId: lost,
    }),
  };
  const placing = placeFor(at, next, "waiting_for_lost_server");
  return { ...placing, effects: [...effects, ...placing.effects] };
}

function drain(at: Moment, r: EmployeeRecord, source: string): Transition {
  if (r.op || r.backup || r.restore || r.nodeId !== source)
    return refuse(r, "It is busy: the drain moves it once it is done.", "busy");
  if (!["running", "unhealthy", "stopped", "error", "none"].includes(r.status))
    return refuse(r, `An employee that is ${r.status} is moved once it settles.`, "busy");
  const wasRunning =
    r.desired === "running" && (r.status === "running" || r.status === "unhealthy");
  const next: EmployeeRecord = {
    ...r,
    status: "restoring",
    statusReason: null,
    restore: plan(r, { reason: "drain", wasRunning, sourceNodeId: source, excludeNodeId: source }),
  };
  return to(waitForSnapshot(at, next), { type: "open_snapshot", kind: "final" });
}

/** A snapshot a restore or a drain waited for ended (employee-backup.ts). */
export function snapshotDone(
  at: Moment,
  r: EmployeeRecord,
  outcome: { ok: true; snapshot: SnapshotRef } | { ok: false; error: string; noState?: boolean },
): Transition {
  const p = r.restore;
  if (!p) return none({ ...r, op: null });
  if (p.reason === "manual") {
    if (outcome.ok) return sendRestore(at, r);
    // Nothing on its server to back up: nothing is lost by restoring over it.
    if (outcome.noState)
      return withLog(
        sendRestore(at, r),
        log("info", "restore without a snapshot of now: it has no state on its server", {}),
      );
    return to({
      ...r,
      status: p.before,
      statusReason: `The restore did not start: its current state could not be backed up first (${outcome.error}). Nothing changed.`,
      desired: p.wasRunning ? "running" : "stopped",
      step: null,
      op: null,
      restore: null,
    });
  }
  // A drain's final snapshot.
  if (!outcome.ok) return giveBack(at, r, `its final backup failed (${outcome.error}).`);
  const moving: EmployeeRecord = {
    ...r,
    restore: { ...p, snapshotId: outcome.snapshot.id, snapshotAt: outcome.snapshot.createdAt },
  };
  if (!p.wasRunning && p.sourceNodeId)
    return to(
      {
        ...moving,
        status: p.before === "restoring" ? "stopped" : p.before,
        nodeId: null,
        containerId: null,
        step: null,
        op: null,
        restore: null,
        restoreOnStart: true,
      },
      { type: "remove_from_source", nodeId: p.sourceNodeId },
    );
  return placeFor(at, moving, "moving_to_new_server");
}

/** What the nodes answered to a move's `place`. */
export function relocationPlaced(
  at: Moment,
  r: EmployeeRecord,
  nodeId: string | null,
  queuePosition: number | null,
  generation: number | undefined,
): Transition {
  const p = r.restore;
  if (!p || r.op?.kind !== "place") {
    return nodeId && nodeId !== r.nodeId
      ? to(r, { type: "release_slot", nodeId, employeeId: r.id })
      : none(r);
  }
  if (!nodeId) {
    // A drain stops the employee for as short as it can: no room now, it starts again where it
    // is, and the drain tries later.
    if (p.reason === "drain") return giveBack(at, r, "no other server had room.");
    return waitForRoom(at, r, queuePosition);
  }
  const placed: EmployeeRecord = {
    ...r,
    nodeId,
    containerId: null,
    generation: generation ?? (r.generation ?? 0) + 1,
    queuePosition: null,
    waitingSince: null,
    op: null,
  };
  if (p.snapshotId) return sendRestore(at, { ...placed, step: "moving_to_new_server" });
  return to(
    {
      ...placed,
      step: "moving_to_new_server",
      op: { kind: "snapshot", commandId: null, attempt: 1, wakeAt: at.now + RETRY_BACKOFF_MAX_MS },
    },
    { type: "find_latest_snapshot" },
  );
}

/** The alarm found a wait of kind "snapshot" past its time. */
export function snapshotWaitExpired(at: Moment, r: EmployeeRecord): Transition {
  // Placed, and the lookup of the latest snapshot did not answer: look again.
  if (r.step !== "taking_snapshot" && r.restore && r.nodeId && !r.restore.snapshotId)
    return to(
      {
        ...r,
        op: {
          kind: "snapshot",
          commandId: null,
          attempt: 1,
          wakeAt: at.now + RETRY_BACKOFF_MAX_MS,
        },
      },
      { type: "find_latest_snapshot" },
    );
  return snapshotDone(at, { ...r, op: null }, { ok: false, error: "it did not start in time" });
}

// A drain that could not finish: the employee goes back to its source node (which kept its copy)
// and runs there again, under a new generation when a target had already been given one.
export function giveBack(at: Moment, r: EmployeeRecord, why: string): Transition {
  const p = r.restore;
  const source = p?.sourceNodeId;
  if (!p || !source) return none(r);
  const note = `Moving it to another server failed: ${why} It stays on its server.`;
  const effects: LifecycleEffect[] = [];
  let back: EmployeeRecord = { ...r, restore: { ...p, note }, op: null };
  if (r.nodeId !== source) {
    const generation = (r.generation ?? 0) + 1;
    if (r.nodeId) effects.push({ type: "release_slot", nodeId: r.nodeId, employeeId: r.id });
    back = { ...back, nodeId: source, containerId: null, generation };
  }
  effects.push({ type: "reserve_again", nodeId: source, generation: back.generation ?? 0 });
  effects.push(log("warn", "move failed: back to the source node", { nodeId: source, why }));
  if (!p.wasRunning)
    return to(
      { ...back, status: p.before, statusReason: note, step: null, restore: null },
      ...effects,
    );
  const started = send(at, { ...back, status: "restarting" }, "container.start", 1, "restarting");
  return { ...started, effects: [...effects, ...started.effects] };
}
