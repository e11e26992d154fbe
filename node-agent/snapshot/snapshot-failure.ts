import { RuntimeError } from "../runtime/employee-runtime.ts";
import { FileChangedError } from "./host-files.ts";

// Whatever ended a snapshot, as the error the edge reads: `disk_full` when the node or the
// employee's disk has no room (trying again at once does not help), `snapshot_failed` when it ran
// out of time or broke in a way another attempt may not meet, the runtime's own errors as they are.

export function snapshotFailure(err: unknown, signal: AbortSignal): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT")
    return new RuntimeError(
      "disk_full",
      "no space left for the snapshot's copies on this node",
      false,
    );
  if (signal.aborted)
    return new RuntimeError("snapshot_failed", "the snapshot did not finish in time", true);
  if (err instanceof FileChangedError) return new RuntimeError("state_changed", err.message, true);
  const message = err instanceof Error ? err.message : String(err);
  return new RuntimeError("snapshot_failed", `the snapshot failed: ${message}`.slice(0, 900), true);
}
