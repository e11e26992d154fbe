import { BACKUP_ALLOWED_FROM } from "../contract/employee.ts";
import type { SnapshotKind } from "../protocol/frames.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { snapshotDone } from "./employee-relocation.ts";
import type { SnapshotCommandResult } from "./employee-rpc.ts";
import {
  log,
  type Moment,
  none,
  refuse,
  type SnapshotRef,
  type Transition,
  to,
} from "./lifecycle-effects.ts";

// Backups as the lifecycle sees them (issue 16). A snapshot.create is not an operation of the
// lifecycle: a running employee stays running while it is taken, and may be stopped meanwhile.
// One is in flight at a time (`record.backup`), with its own deadline (SNAPSHOT_TIMEOUT_MS). A
// restore or a drain that needs a snapshot first waits for it with an op of kind "snapshot" and
// hears how it ended (employee-relocation.ts snapshotDone).

export function requestBackup(r: EmployeeRecord, kind: SnapshotKind): Transition {
  // The one in flight is the answer (the object's shell reads it back).
  if (r.backup) return none(r);
  if (r.status === "restoring")
    return refuse(r, "It is being restored or moved: back it up once that is done.", "busy");
  // Moved off its server while stopped: nothing has run since its latest snapshot.
  if (!r.nodeId && r.restoreOnStart)
    return refuse(r, "It has not run since its latest backup.", "unchanged");
  if (!BACKUP_ALLOWED_FROM.includes(r.status) || !r.nodeId)
    return refuse(r, `An employee that is ${r.status} cannot be backed up now.`);
  return to(r, { type: "open_snapshot", kind });
}

export function snapshotOpened(
  at: Moment,
  r: EmployeeRecord | undefined,
  kind: SnapshotKind,
  snapshot: SnapshotRef | null,
): Transition {
  if (!r) return none(r);
  const waiting = r.op?.kind === "snapshot" && r.step === "taking_snapshot";
  if (!snapshot)
    return waiting
      ? snapshotDone(at, r, { ok: false, error: "the backup could not be recorded" })
      : to(r, log("warn", "snapshot row could not be opened", { kind }));
  // Another snapshot was opened meanwhile, or the employee has no node any more: this one ends.
  if (r.backup || !r.nodeId)
    return to(r, {
      type: "settle_snapshot",
      snapshotId: snapshot.id,
      outcome: "failed",
      error: "Superseded before it started.",
    });
  const commandId = at.entropy.id();
  const deadline = at.now + SNAPSHOT_TIMEOUT_MS;
  const next: EmployeeRecord = {
    ...r,
    backup: {
      snapshotId: snapshot.id,
      createdAt: snapshot.createdAt,
      kind,
      commandId,
      nodeId: r.nodeId,
      // A drain's final snapshot stops the employee first: nothing it does after is lost.
      stopFirst: kind === "final",
      deadline,
    },
    ...(waiting && r.op ? { op: { ...r.op, commandId, wakeAt: deadline } } : {}),
  };
  return to(next, { type: "snapshot_command" });
}

export function snapshotResult(
  at: Moment,
  r: EmployeeRecord | undefined,
  nodeId: string,
  result: SnapshotCommandResult,
): Transition {
  const b = r?.backup;
  if (!r || !b || b.commandId !== result.id || b.nodeId !== nodeId)
    return to(r, log("info", "stale snapshot result ignored", { commandId: result.id, nodeId }));
  if (result.ok) return ended(at, r, result.snapshot?.skipped ? "skipped" : "ok");
  // The agent found no container and no disk: there is no "now" to keep (removed by hand, or a
  // disk lost), which a restore waiting for this snapshot should not be stopped by.
  return ended(at, r, "failed", result.error.message, result.error.code === "container_missing");
}

/** The alarm found the backup past SNAPSHOT_TIMEOUT_MS. */
export function backupExpired(at: Moment, r: EmployeeRecord): Transition {
  const minutes = Math.round(SNAPSHOT_TIMEOUT_MS / 60_000);
  return ended(at, r, "failed", `The server did not finish the backup within ${minutes} minutes.`);
}

/** The node the backup was being taken on is gone: it ends failed, and so does what waited. */
export function backupLost(at: Moment, r: EmployeeRecord, why: string): Transition {
  return r.backup ? ended(at, r, "failed", why) : none(r);
}

function ended(
  at: Moment,
  r: EmployeeRecord,
  outcome: "ok" | "skipped" | "failed",
  error?: string,
  noState = false,
): Transition {
  const b = r.backup;
  if (!b) return none(r);
  const settle = {
    type: "settle_snapshot" as const,
    snapshotId: b.snapshotId,
    outcome,
    ...(error ? { error } : {}),
  };
  const next = { ...r, backup: null };
  const waiting = r.op?.kind === "snapshot" && r.op.commandId === b.commandId;
  if (!waiting) return to(next, settle);
  const done = snapshotDone(
    at,
    next,
    outcome === "failed"
      ? { ok: false, error: error ?? "the backup failed", noState }
      : { ok: true, snapshot: { id: b.snapshotId, createdAt: b.createdAt } },
  );
  return { ...done, effects: [settle, ...done.effects] };
}
