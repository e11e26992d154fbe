import type { ApprovalDecision } from "../contract/approvals.ts";
import type { Backup } from "../contract/backup.ts";
import type { Employee } from "../contract/employee.ts";
import type {
  AgentEvent,
  Instance,
  MemoryFile,
  ResultError,
  ResultFrame,
  SnapshotResult,
} from "../protocol/frames.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { ChannelRpc, ChatRpc } from "./inbox/inbox-rpc.ts";

// `notifyWhenReady`: who hired it, to be emailed once it is ready for the first time.
export type NewEmployee = Pick<
  EmployeeRecord,
  "id" | "accountId" | "name" | "role" | "tone" | "skills" | "notifyWhenReady"
>;

// Verbs answer with a result rather than throwing: an error's class does not survive RPC.
export type ActionResult =
  | { ok: true; employee: Employee }
  | { ok: false; code: "invalid_state" | "not_found"; message: string };

// Backups and restores (issue 16): the API's services (edge/services/backups.ts) map the codes.
export type BackupResult =
  | { ok: true; backup: Backup }
  | { ok: false; code: "invalid_state" | "busy" | "unchanged"; message: string };

export type RestoreResult =
  | { ok: true; employee: Employee }
  | { ok: false; code: "invalid_state" | "not_found" | "snapshot_corrupt"; message: string };

/** What a NodeDO hears when it asks an employee to move off it. */
export type RelocateResult =
  | { ok: true }
  | { ok: false; code: "invalid_state" | "busy" | "not_found"; message: string };

/** A person's decision of an approval (issue 18), as the service hands it to the employee. */
export interface DecidedApproval {
  approvalId: string;
  openclawId: string;
  decision: ApprovalDecision;
  reason?: string;
}

export type MemoryResult =
  | { ok: true; files: MemoryFile[] }
  | { ok: false; code: "not_found" | "unavailable"; message: string };

export type CommandResult =
  | { id: string; ok: true; data?: Instance }
  | { id: string; ok: false; error: ResultError; rolledBack?: boolean };

export type SnapshotCommandResult =
  | { id: string; ok: true; snapshot?: SnapshotResult }
  | { id: string; ok: false; error: ResultError };

// What the EmployeeDO answers over RPC (edge/objects/employee-do.ts implements it). The Worker's
// bindings are typed by this interface rather than the class, so that nothing the object itself
// imports has to import the object back.
export interface EmployeeRpc extends Rpc.DurableObjectBranded, ChatRpc, ChannelRpc {
  create(input: NewEmployee): Promise<Employee | null>;
  view(): Employee | null;
  update(patch: { name?: string; tone?: string; skills?: string[] }): Promise<ActionResult>;
  provision(): Promise<ActionResult>;
  restart(): Promise<ActionResult>;
  stop(): Promise<ActionResult>;
  remove(employeeId?: string): Promise<{ ok: true }>;
  hold(reason: string): Promise<ActionResult>;
  release(): Promise<ActionResult>;
  held(): string | null;
  onCommandResult(nodeId: string, result: CommandResult): Promise<void>;
  onEvent(nodeId: string, event: AgentEvent): Promise<void>;
  onInventory(nodeId: string, instance: Instance): Promise<void>;
  onSnapshotResult(nodeId: string, result: SnapshotCommandResult): Promise<void>;
  requestBackup(kind: "manual" | "scheduled" | "pre_op"): Promise<BackupResult>;
  requestRestore(snapshotId: string): Promise<RestoreResult>;
  /** Moves the employee off `fromNodeId` (its node when not given): lost, or draining. */
  relocate(reason: "node_lost" | "drain", fromNodeId?: string): Promise<RelocateResult>;
  retryPlacement(): Promise<void>;
  reconcile(): Promise<void>;
  syncKnowledge(): Promise<void>;
  readMemory(): Promise<MemoryResult>;
  fetch(request: Request): Promise<Response>;
  // Issue 18: a person's decision goes to the agent; the agent's answer to it comes back.
  approvalDecided(input: DecidedApproval): Promise<void>;
  onApprovalResult(result: ResultFrame): Promise<void>;
}
