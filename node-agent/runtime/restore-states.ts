// Where a restore (node-agent/snapshot/) puts an employee's state before it trusts it, and how the
// runtime swaps it in (issue 16). A restore never writes over the live state: it fills a staging
// state, and only after every chunk checked out is the employee stopped and the states swapped.
// The old state is kept aside until the restored employee is healthy, so any failure up to then
// swaps it back.
//
//   stage → (write) → swapIn → (provision, ready) → commit
//                   ↘ discard             ↘ swapBack
//
// Each runtime keeps its states its own way: loop-mounted disk images or Docker volumes
// (runtime/docker/restore-disks.ts), folders for the process runtime (runtime/process/).
export interface RestoreStates {
  /** Whether the employee has a live state on this node (a disk, a volume, a folder). */
  exists(employeeId: string): Promise<boolean>;
  /**
   * Puts back what a crash in the middle of a swap left: a state moved aside with no live one
   * is made live again; a leftover staging state is deleted. Safe to call at any time.
   */
  recover(employeeId: string): Promise<void>;
  /** A new, empty staging state; the folder to write it in (the container's /data). */
  stage(employeeId: string): Promise<{ root: string }>;
  /** Deletes the staging state, whatever is in it. */
  discard(employeeId: string): Promise<void>;
  /**
   * With the employee stopped: moves the live state aside (if any) and makes the staged one
   * live, where the runtime's next start uses it.
   */
  swapIn(employeeId: string): Promise<void>;
  /** With the employee stopped: makes the state swapIn moved aside live again, deleting what
   * is live in its place; without one (nothing was moved yet) it leaves the live state alone. */
  swapBack(employeeId: string): Promise<void>;
  /** The restored state is running: the one moved aside is deleted. */
  commit(employeeId: string): Promise<void>;
  /** The OpenClaw version the employee image runs, when the runtime can tell (else null). */
  openclawVersion(): Promise<string | null>;
}

/** The employee's uid and gid inside its container: restored files must be its own. */
export const STATE_OWNER = { uid: 1000, gid: 1000 };
