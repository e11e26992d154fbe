import { SNAPSHOT_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";
import type { EmployeeRecord, RestorePlan } from "./employee-record.ts";
import {
  backoff,
  PLACEMENT_RETRY_BASE_MS,
  PLACEMENT_RETRY_MAX_MS,
  WAIT_FOR_SERVER_TIMEOUT_MS,
} from "./employee-timeouts.ts";
import {
  type LifecycleEffect,
  type Moment,
  send,
  type Transition,
  to,
} from "./lifecycle-effects.ts";

// The pieces restores and moves are made of (employee-restore.ts, employee-relocation.ts): the
// plan a restore keeps, the waits it is in (each with its deadline), and how it asks for a node.

export const plan = (r: EmployeeRecord, p: Partial<RestorePlan> & Pick<RestorePlan, "reason">) => ({
  mode: "fresh" as const,
  snapshotId: null,
  snapshotAt: null,
  before: r.status,
  wasRunning: r.desired === "running",
  sourceNodeId: null,
  excludeNodeId: null,
  note: null,
  ...p,
});

export const waitForSnapshot = (at: Moment, r: EmployeeRecord): EmployeeRecord => ({
  ...r,
  step: "taking_snapshot",
  op: { kind: "snapshot", commandId: null, attempt: 1, wakeAt: at.now + SNAPSHOT_TIMEOUT_MS },
});

export const sendRestore = (at: Moment, r: EmployeeRecord): Transition =>
  send(at, r, "container.restore", 1, "fetching_snapshot");

/** The `place` effect a move's retry asks for. */
export function placeEffect(r: EmployeeRecord): LifecycleEffect {
  const exclude = r.restore?.excludeNodeId;
  return r.restore
    ? { type: "place", first: true, ...(exclude ? { exclude: [exclude] } : {}) }
    : { type: "place" };
}

export function placeFor(
  at: Moment,
  r: EmployeeRecord,
  step: "finding_server" | "waiting_for_lost_server" | "moving_to_new_server",
): Transition {
  const next: EmployeeRecord = {
    ...r,
    step,
    waitingSince: r.waitingSince ?? at.now,
    op: { kind: "place", commandId: null, attempt: 1, wakeAt: at.now + PLACEMENT_RETRY_MAX_MS },
  };
  return to(next, placeEffect(next));
}

export function waitForRoom(
  at: Moment,
  r: EmployeeRecord,
  queuePosition: number | null,
): Transition {
  const waitingSince = r.waitingSince ?? at.now;
  if (at.now - waitingSince > WAIT_FOR_SERVER_TIMEOUT_MS)
    return to({
      ...r,
      status: "error",
      statusReason: `No server had room to restore it for ${WAIT_FOR_SERVER_TIMEOUT_MS / 60_000} minutes. Press Start to try again.`,
      step: null,
      op: null,
      restore: null,
      restoreOnStart: true,
      waitingSince: null,
      queuePosition: null,
    });
  const attempt = (r.op?.attempt ?? 0) + 1;
  const wait = backoff(
    attempt,
    PLACEMENT_RETRY_BASE_MS,
    PLACEMENT_RETRY_MAX_MS,
    at.entropy.jitter(),
  );
  return to({
    ...r,
    waitingSince,
    queuePosition,
    op: { kind: "place", commandId: null, attempt, wakeAt: at.now + wait },
  });
}

export const withLog = (t: Transition, e: LifecycleEffect): Transition => ({
  ...t,
  effects: [e, ...t.effects],
});
