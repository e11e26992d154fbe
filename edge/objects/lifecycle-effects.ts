import type { StepId } from "../contract/steps.ts";
import type {
  AgentEvent,
  ContainerCommandType,
  Instance,
  SnapshotKind,
} from "../protocol/frames.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { CommandResult, NewEmployee, SnapshotCommandResult } from "./employee-rpc.ts";
import { COMMAND_TIMEOUT_MS } from "./employee-timeouts.ts";

// The vocabulary of the employee's lifecycle (employee-lifecycle.ts): what can happen to an
// employee, what its object must then do, and the helpers every transition is written with.

export type LifecycleInput =
  | { type: "create"; employee: NewEmployee }
  | { type: "update"; patch: { name?: string; tone?: string; skills?: string[] } }
  | { type: "provision" }
  | { type: "restart" }
  | { type: "stop" }
  | { type: "hold"; reason: string }
  | { type: "release" }
  | { type: "remove"; employeeId?: string }
  | { type: "command_result"; nodeId: string; result: CommandResult }
  | { type: "event"; nodeId: string; event: AgentEvent }
  | { type: "inventory"; nodeId: string; instance: Instance }
  | { type: "alarm" }
  | { type: "retry_placement" }
  | {
      type: "placed";
      employeeId: string;
      nodeId: string | null;
      queuePosition?: number | null;
      /** The generation the node reserved the slot under (the record's + 1). */
      generation?: number;
    }
  // Backups, restores and moves (employee-backup.ts, employee-relocation.ts):
  | { type: "backup_requested"; kind: SnapshotKind }
  /** The D1 row `open_snapshot` made, or null when it could not be made. */
  | { type: "snapshot_opened"; kind: SnapshotKind; snapshot: SnapshotRef | null }
  | { type: "snapshot_result"; nodeId: string; result: SnapshotCommandResult }
  | { type: "restore_requested"; snapshot: SnapshotRef; snapshotFirst: boolean }
  | { type: "relocate"; reason: "node_lost" | "drain"; fromNodeId?: string }
  /** What `find_latest_snapshot` found. */
  | { type: "latest_snapshot"; snapshot: SnapshotRef | null }
  // Continuations, fed back by a `then` effect:
  | { type: "hold_after_revoke"; reason: string }
  | { type: "stop_after_revoke" }
  | { type: "remove_after_revoke" }
  | { type: "heal" };

export type LifecycleEffect =
  /** Ask the nodes for a slot, in turn; the answer (and the place in the queue) comes back as `placed`.
   * A move leaves out the node it leaves and goes ahead of the queue (`first`). */
  | { type: "place"; exclude?: string[]; first?: boolean }
  /** Send the command the record's op now waits for (a provision carries a fresh key). */
  | { type: "command"; kind: ContainerCommandType; commandId: string; attempt: number }
  /** Render the workspace again on the node (settings changed). */
  | { type: "configure" }
  | { type: "sync_knowledge" }
  | { type: "revoke_keys"; employeeId: string }
  | { type: "release_slot"; nodeId: string; employeeId: string }
  /** The node removed everything: forget the employee and this object's storage. */
  | { type: "finish_removal" }
  /** Forget an employee whose object never started (its id is all there is). */
  | { type: "forget"; employeeId: string }
  | { type: "then"; input: LifecycleInput }
  /** Open a pending D1 snapshot row for the record's node and generation; answered by `snapshot_opened`. */
  | { type: "open_snapshot"; kind: SnapshotKind }
  /** Send snapshot.create for the record's `backup`. */
  | { type: "snapshot_command" }
  /** A snapshot.create ended: D1's row follows (discarded when skipped, failed on an error). */
  | {
      type: "settle_snapshot";
      snapshotId: string;
      outcome: "ok" | "skipped" | "failed";
      error?: string;
    }
  /** Look up the latest complete snapshot; answered by `latest_snapshot`. */
  | { type: "find_latest_snapshot" }
  /** A move is done: the old copy on the source node is removed and its slot given back. */
  | { type: "remove_from_source"; nodeId: string }
  /** A move failed: the source node keeps the employee under a new generation. */
  | { type: "reserve_again"; nodeId: string; generation: number }
  | { type: "log"; level: "info" | "warn"; message: string; fields: Record<string, unknown> };

/** A snapshot as the lifecycle knows it: its id and when it was taken. */
export interface SnapshotRef {
  id: string;
  createdAt: number;
}

export interface Transition {
  record: EmployeeRecord | undefined;
  effects: LifecycleEffect[];
  refused?: { code: "invalid_state" | "not_found" | "busy" | "unchanged"; message: string };
}

/** Where the lifecycle's randomness comes from: command ids and backoff jitter in [0, 1). */
export interface Entropy {
  id(): string;
  jitter(): number;
}

export const systemEntropy: Entropy = { id: () => crypto.randomUUID(), jitter: Math.random };

export const NOT_FOUND_MESSAGE = "This employee does not exist.";

export const none = (record: EmployeeRecord | undefined): Transition => ({ record, effects: [] });
export const to = (
  record: EmployeeRecord | undefined,
  ...effects: LifecycleEffect[]
): Transition => ({
  record,
  effects,
});
export const refuse = (
  record: EmployeeRecord,
  message: string,
  code: "invalid_state" | "busy" | "unchanged" = "invalid_state",
): Transition => ({
  record,
  effects: [],
  refused: { code, message },
});
export const missing: Transition = {
  record: undefined,
  effects: [],
  refused: { code: "not_found", message: NOT_FOUND_MESSAGE },
};
export const andThen = (input: LifecycleInput): LifecycleEffect => ({ type: "then", input });
export const log = (
  level: "info" | "warn",
  message: string,
  fields: Record<string, unknown>,
): LifecycleEffect => ({ type: "log", level, message, fields });

/** The moment a transition happens at: the time, and where its ids and jitter come from. */
export interface Moment {
  now: number;
  entropy: Entropy;
}

// Every command carries a fresh id and a deadline; the op is stored before it is sent, so an
// object that dies right after finds it on its alarm and retries.
export function send(
  at: Moment,
  r: EmployeeRecord,
  kind: ContainerCommandType,
  attempt: number,
  step: StepId,
): Transition {
  if (!r.nodeId) throw new Error(`cannot send ${kind}: no node`);
  const commandId = at.entropy.id();
  return to(
    { ...r, step, op: { kind, commandId, attempt, wakeAt: at.now + COMMAND_TIMEOUT_MS[kind] } },
    { type: "command", kind, commandId, attempt },
  );
}
