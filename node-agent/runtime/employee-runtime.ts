import type { EmployeeSpec, Instance } from "../../edge/protocol/frames.ts";
import type { RestoreStates } from "./restore-states.ts";
import type { ReadLimits, ReadResult, TarEntry } from "./tar.ts";

// What happened to an employee's container, as the runtime saw it.
export type RuntimeEvent =
  | { type: "created" | "started" | "removed"; employeeId: string; containerId: string | null }
  | { type: "stopped"; employeeId: string; containerId: string | null; exitCode: number | null }
  | {
      type: "health";
      employeeId: string;
      containerId: string | null;
      health: "healthy" | "unhealthy";
    };

// A failure the edge should see: `retryable` false when trying again cannot help.
export class RuntimeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

// ---- snapshots (taking one, issue 16) ----
/** Where an employee's /data is on this node, as a snapshot reads it from the host. */
export interface StateSource {
  /** The host folder that is the employee's /data (its mounted disk, volume or folder). */
  dataPath: string;
  running: boolean;
  /** The image (tag and id) the employee runs; null when unknown. */
  image: string | null;
}

export interface ExecOptions {
  env?: Record<string, string>;
  timeoutMs: number;
}

/** A command run inside a running employee: its exit code (null: still running at the deadline)
 * and the end of what it printed (bounded: the container writes it). */
export interface ExecResult {
  exitCode: number | null;
  output: string;
}

// How the agent runs employees. Every verb is idempotent: applying a command twice leaves the
// same one container. The runtime's own engine (Docker) is the source of truth; nothing here
// depends on memory that a restart would lose.
export interface EmployeeRuntime {
  readonly kind: "docker" | "process";
  /** Where a snapshot restore stages the employee's state and swaps it in; absent: no restores. */
  readonly restoreStates?: RestoreStates;
  /** Every employee this node runs or has stopped, read from the engine itself. */
  inventory(): Promise<Instance[]>;
  /** Creates (once) and starts the employee, resolving when it is healthy. `generation` (the
   * command's placement) labels the container; a newer one than its label makes it anew. */
  provision(spec: EmployeeSpec, generation?: number): Promise<Instance>;
  start(employeeId: string): Promise<Instance>;
  stop(employeeId: string): Promise<Instance>;
  restart(employeeId: string): Promise<Instance>;
  /** Removes the container and its data; succeeds when there is nothing to remove. */
  remove(employeeId: string): Promise<void>;
  /** Removes containers of ours for employees not in `keep` that are older than `graceMs`. */
  sweepOrphans(keep: ReadonlySet<string>, graceMs: number): Promise<string[]>;
  /**
   * At a reconcile with the edge's placements: stops every copy older than its placement
   * (marked, never started again, removed after STALE_DISK_KEEP_MS); answers the employees still
   * held as stale, which the orphan sweep leaves alone. Runtimes without generations lack it.
   */
  fenceStale?(
    placements: readonly { employeeId: string; generation: number }[],
    keep: ReadonlySet<string>,
  ): Promise<Set<string>>;
  /** Writes files into the employee's data volume (paths relative to it), running or not. */
  writeFiles(employeeId: string, entries: readonly TarEntry[]): Promise<void>;
  /**
   * Reads a file or folder of the data volume (no entries when it does not exist), within the
   * limits: the container decides what is there, so truncation is reported, never buffered away.
   */
  readFiles(employeeId: string, relPath: string, limits?: ReadLimits): Promise<ReadResult>;
  /**
   * A folder of the data volume as the engine archives it (a tar stream, the folder's own name
   * first in every path), running or not; null when there is no such folder. Streamed as it is
   * read: the container decides what is there, so the caller bounds what it takes.
   */
  archive(employeeId: string, relPath: string): Promise<NodeJS.ReadableStream | null>;
  /** Deletes files of the data volume; false when that has to wait for the next start. */
  removeFiles(employeeId: string, relPaths: readonly string[]): Promise<boolean>;
  /** This node's address as employees see it (their only trusted proxy). */
  proxyAddress(): Promise<string>;
  /** Which running employee holds each address on the employee network (address → employee id):
   *  the LLM relay knows its callers by it. An address two containers claim is left out. */
  employeeAddresses(): Promise<Map<string, string>>;
  /** Where a port of the employee's container is reachable from this node, if it runs. */
  endpoint(employeeId: string, port: number): Promise<{ host: string; port: number } | null>;
  /**
   * Checks at start that employees can be isolated here (kernel, disk and network boundaries) and
   * opens the LLM relay's port to them; throws a RuntimeError naming what is missing.
   */
  prepare(opts: { relayPort: number }): Promise<void>;
  /** What isolates new employees on this node (runsc, runc, process), reported in the hello. */
  isolationRuntime(): Promise<string>;
  // ---- snapshots (taking one): the engine-specific pieces ----
  /** The employee's data on this node; null when it has none here. */
  stateSource(employeeId: string): Promise<StateSource | null>;
  /** Runs a command inside the running employee as its own user (throws when it does not run). */
  exec(employeeId: string, argv: readonly string[], opts: ExecOptions): Promise<ExecResult>;
  /** Freezes every process of the employee (a crash-consistent copy of files it keeps open). */
  pause(employeeId: string): Promise<void>;
  /** Lets a paused employee run again; succeeds when it was not paused. */
  unpause(employeeId: string): Promise<void>;
  /** Streams container events until the returned function is called. */
  watch(onEvent: (e: RuntimeEvent) => void): () => void;
  close(): Promise<void>;
}
