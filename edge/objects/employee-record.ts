import type { Employee, EmployeeStatus } from "../contract/employee.ts";
import type { MailLanguage } from "../contract/launch.ts";
import { STEP_IDS, STEP_TEXT, type StepId } from "../contract/steps.ts";
import type { ContainerCommandType, SnapshotKind } from "../protocol/frames.ts";
import { type LaunchRecord, launchView } from "./launch-view.ts";

export type Desired = "running" | "stopped" | "gone";

// What the EmployeeDO is doing right now. `commandId` is null while a retry waits for its
// backoff; `wakeAt` is when the alarm must look again (the deadline, or the retry time).
export interface PendingOp {
  // "snapshot": a restore or a move waits for the snapshot in `backup` (its deadline is the op's).
  kind: ContainerCommandType | "place" | "snapshot";
  commandId: string | null;
  attempt: number;
  wakeAt: number;
}

export interface EmployeeRecord {
  id: string;
  accountId: string;
  name: string;
  role: string;
  tone: string;
  skills: string[];
  status: EmployeeStatus;
  statusReason: string | null;
  step: StepId | null;
  nodeId: string | null;
  containerId: string | null;
  desired: Desired;
  op: PendingOp | null;
  waitingSince: number | null;
  // Why billing keeps this employee stopped (trial over, unpaid, over the plan's head count);
  // absent or null when it may run. Start is refused while it is set.
  billingHold?: string | null;
  // The launch in progress, or the last one if it failed (launch-progress.ts); null otherwise.
  launch?: LaunchRecord | null;
  // The place among those waiting for a server, as the last placement attempt found it.
  queuePosition?: number | null;
  // Who is emailed when this employee is ready for the first time, in which language; null once
  // sent, and absent on employees hired before the email existed (they were ready long ago).
  notifyWhenReady?: ReadyNotice | null;
  // The placement's generation (edge/protocol/frames.ts Generation): raised on every placement,
  // carried by every command; absent on records made before generations (read as 0).
  generation?: number;
  // The snapshot.create in flight (one at a time), if any: not an operation of the lifecycle by
  // itself, so a running employee stays running (and may be stopped) meanwhile.
  backup?: PendingBackup | null;
  // A restore or a move in progress (status `restoring`), or the note it left until it is done.
  restore?: RestorePlan | null;
  // Its state is not on its node (it was moved off a lost or drained server while stopped): the
  // next start restores its latest snapshot instead of provisioning a blank workspace.
  restoreOnStart?: boolean;
  // The createdAt of the snapshot it was last put back from, until a person next starts it.
  restoredFrom?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface PendingBackup {
  snapshotId: string;
  createdAt: number;
  kind: SnapshotKind;
  commandId: string;
  nodeId: string;
  stopFirst: boolean;
  /** When SNAPSHOT_TIMEOUT_MS runs out and the snapshot is failed. */
  deadline: number;
}

// manual: a person chose a snapshot; node_lost and drain: moved off its server; resume: started
// after it was moved while stopped (restoreOnStart).
export type RestoreReason = "manual" | "node_lost" | "drain" | "resume";

export interface RestorePlan {
  reason: RestoreReason;
  mode: "in_place" | "fresh";
  /** The snapshot restored from; null until one is chosen (the latest, after a placement). */
  snapshotId: string | null;
  snapshotAt: number | null;
  /** The status before, which a restore that rolled back returns to. */
  before: EmployeeStatus;
  /** Whether it was meant to run: only then is it started where it lands. */
  wasRunning: boolean;
  /** A drain's source node, which keeps the old copy until the target runs it. */
  sourceNodeId: string | null;
  /** The node a placement must not choose (the lost or drained one). */
  excludeNodeId: string | null;
  /** What the status says once it is done (no snapshot existed, it went back to its server). */
  note: string | null;
}

export interface ReadyNotice {
  userId: string;
  lang: MailLanguage;
}

const STEP_BY_TEXT = new Map<string, StepId>(STEP_IDS.map((id) => [STEP_TEXT[id], id]));

// Records stored before accounts (migration 0008) name the tenant `userId`; that id became the
// account's, so it is read as accountId.
export function recordOf(stored: EmployeeRecord & { userId?: string }): EmployeeRecord {
  const { userId, ...rest } = stored;
  return { ...rest, accountId: stored.accountId ?? userId, step: stepOf(stored.step) };
}

// Steps used to be stored as their English sentence: records and rows written before the step
// ids are read as the id of that sentence.
export function stepOf(stored: string | null | undefined): StepId | null {
  if (!stored) return null;
  if ((STEP_IDS as readonly string[]).includes(stored)) return stored as StepId;
  return STEP_BY_TEXT.get(stored) ?? null;
}

// The API's employee object (edge/contract/employee.ts). Takes the D1 row as well as the
// object's record: both carry these fields; only the record has the launch's checklist.
export function toView(
  r: Pick<
    EmployeeRecord,
    | "id"
    | "name"
    | "role"
    | "tone"
    | "skills"
    | "status"
    | "statusReason"
    | "nodeId"
    | "createdAt"
    | "updatedAt"
  > & {
    step: string | null;
    restoredFrom?: number | null;
    launch?: LaunchRecord | null;
    queuePosition?: number | null;
    notifyWhenReady?: ReadyNotice | null;
  },
): Employee {
  const launch = r.launch
    ? { launch: launchView(r.launch, r.queuePosition ?? null, Boolean(r.notifyWhenReady)) }
    : {};
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tone: r.tone,
    skills: r.skills,
    status: r.status,
    statusReason: r.statusReason,
    step: stepOf(r.step),
    node: r.nodeId,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    ...(r.restoredFrom ? { restoredFrom: new Date(r.restoredFrom).toISOString() } : {}),
    ...launch,
  };
}
