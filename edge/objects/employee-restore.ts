import { RESTORE_ALLOWED_FROM } from "../contract/employee.ts";
import type { ContainerCommandType, ResultError } from "../protocol/frames.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { giveBack } from "./employee-relocation.ts";
import { RETRY_BACKOFF_MAX_MS } from "./employee-timeouts.ts";
import {
  andThen,
  type LifecycleEffect,
  log,
  type Moment,
  none,
  refuse,
  type SnapshotRef,
  send,
  type Transition,
  to,
} from "./lifecycle-effects.ts";
import { placeFor, plan, sendRestore, waitForSnapshot, withLog } from "./relocation-steps.ts";

// Restores (issue 16): a person's restore in place, the start of an employee moved while stopped,
// and how a restore (or what a move sent instead) ends. The moves themselves are in
// employee-relocation.ts; the states and their deadlines are described there.

export function restoreRequested(
  at: Moment,
  r: EmployeeRecord,
  snapshot: SnapshotRef,
  snapshotFirst: boolean,
): Transition {
  if (!RESTORE_ALLOWED_FROM.includes(r.status))
    return refuse(r, `An employee that is ${r.status} cannot be restored now.`);
  if (r.billingHold) return refuse(r, r.billingHold);
  if (r.backup) return refuse(r, "A backup is being taken: restore once it is done.");
  const inPlace = Boolean(r.nodeId) && !r.restoreOnStart;
  const next: EmployeeRecord = {
    ...r,
    status: "restoring",
    statusReason: null,
    desired: "running",
    restore: plan(r, {
      reason: "manual",
      mode: inPlace ? "in_place" : "fresh",
      snapshotId: snapshot.id,
      snapshotAt: snapshot.createdAt,
    }),
  };
  if (!inPlace) return placeFor(at, { ...next, nodeId: null }, "finding_server");
  if (snapshotFirst)
    return to(waitForSnapshot(at, next), { type: "open_snapshot", kind: "pre_restore" });
  return withLog(
    sendRestore(at, next),
    log("info", "restore without a snapshot of now: its server or container is not there", {}),
  );
}

/** What `find_latest_snapshot` found, for an employee placed on its new node. */
export function latestSnapshot(
  at: Moment,
  r: EmployeeRecord | undefined,
  snapshot: SnapshotRef | null,
): Transition {
  const p = r?.restore;
  if (!r || !p || !r.nodeId || p.snapshotId || r.op?.kind !== "snapshot") return none(r);
  if (snapshot)
    return sendRestore(at, {
      ...r,
      restore: { ...p, snapshotId: snapshot.id, snapshotAt: snapshot.createdAt },
    });
  return send(
    at,
    {
      ...r,
      restore: {
        ...p,
        note: "No backup of it existed yet: it was started afresh on another server.",
      },
    },
    "container.provision",
    1,
    "preparing_workspace",
  );
}

/** Start an employee moved while stopped: it is placed and restored from its latest snapshot. */
export function resume(at: Moment, r: EmployeeRecord): Transition {
  const restoring: EmployeeRecord = {
    ...r,
    status: "restoring",
    statusReason: null,
    desired: "running",
    restore: plan(r, { reason: "resume", wasRunning: true }),
  };
  // Already given a node (a restore there failed): the latest snapshot is restored there.
  if (r.nodeId)
    return to(
      {
        ...restoring,
        step: "fetching_snapshot",
        op: {
          kind: "snapshot",
          commandId: null,
          attempt: 1,
          wakeAt: at.now + RETRY_BACKOFF_MAX_MS,
        },
      },
      { type: "find_latest_snapshot" },
    );
  return placeFor(
    at,
    {
      ...r,
      status: "restoring",
      statusReason: null,
      desired: "running",
      nodeId: null,
      restore: plan(r, { reason: "resume", wasRunning: true }),
    },
    "finding_server",
  );
}

/** A container.restore (or the provision or start a move sent instead) succeeded. */
export function moveFinished(r: EmployeeRecord, kind: ContainerCommandType): Transition {
  const p = r.restore;
  const effects: LifecycleEffect[] = [{ type: "sync_knowledge" }];
  if (p?.sourceNodeId && p.sourceNodeId !== r.nodeId)
    effects.push({ type: "remove_from_source", nodeId: p.sourceNodeId });
  const restored = kind === "container.restore" && p?.snapshotAt ? p.snapshotAt : r.restoredFrom;
  return to(
    {
      ...r,
      status: "running",
      statusReason: p?.note ?? null,
      step: null,
      op: null,
      waitingSince: null,
      restore: null,
      restoreOnStart: kind === "container.start" ? r.restoreOnStart : false,
      restoredFrom: restored ?? null,
    },
    ...effects,
    // Billing held it while it moved: it stops now, as a hold stops a running employee.
    ...(r.billingHold ? [andThen({ type: "hold", reason: r.billingHold })] : []),
  );
}

/** A container.restore failed for good (after its retries, or rolled back at once). */
export function restoreFailed(
  at: Moment,
  r: EmployeeRecord,
  error: ResultError,
  rolledBack: boolean,
): Transition | null {
  const p = r.restore;
  if (!p) return null;
  if (rolledBack) {
    const when = p.snapshotAt ? ` from ${new Date(p.snapshotAt).toISOString()}` : "";
    return to({
      ...r,
      status: p.before === "unhealthy" || p.before === "running" ? "running" : p.before,
      statusReason: `Restoring the backup${when} failed and nothing changed: ${error.message}`,
      desired: p.wasRunning || p.before !== "stopped" ? r.desired : "stopped",
      step: null,
      op: null,
      restore: null,
    });
  }
  if (p.reason === "drain") return giveBack(at, r, `${error.message}.`);
  return to({
    ...r,
    status: "error",
    statusReason: `Restoring the employee failed: ${error.message}. Press Start to try again.`,
    step: null,
    op: null,
    restore: null,
    // Its state is in its snapshots, not on this node: the next start restores it.
    restoreOnStart: p.mode === "fresh" ? true : r.restoreOnStart,
  });
}
