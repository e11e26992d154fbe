import type { BackupProgress } from "../contract/backup.ts";
import type { AgentEvent } from "../protocol/frames.ts";
import { backupView } from "../snapshots/backup-view.ts";
import { getSnapshot } from "../store/snapshots.ts";
import { toView } from "./employee-record.ts";
import type { BackupResult, RestoreResult } from "./employee-rpc.ts";
import type { LifecycleInput, Transition } from "./lifecycle-effects.ts";
import { broadcastBackup, type RelocationContext } from "./relocation-effects.ts";
import { verifySnapshot } from "./snapshot-catalogue.ts";
import { nodeStub } from "./stubs.ts";

// A backup's progress reaches the live viewers at most this often.
export const BACKUP_PROGRESS_INTERVAL_MS = 1_000;

// The EmployeeDO's backup and restore verbs: what they check before the lifecycle hears of them
// (the snapshot exists, is this employee's, is complete and passes its check; the node is there
// for a snapshot of now), and what they answer. Backup progress is shown, not stored.
export class SnapshotRpcs {
  private opening: Promise<unknown> = Promise.resolve();
  private progressShownAt = 0;
  private lastProgress: { snapshotId: string; progress: BackupProgress } | null = null;

  private readonly context: () => RelocationContext;
  private readonly apply: (input: LifecycleInput) => Promise<Transition>;

  constructor(
    context: () => RelocationContext,
    apply: (input: LifecycleInput) => Promise<Transition>,
  ) {
    this.context = context;
    this.apply = apply;
  }

  requestBackup(kind: "manual" | "scheduled" | "pre_op"): Promise<BackupResult> {
    // One at a time: a second request waits for the first's row and is answered with it.
    const answer = this.opening.then(() => this.backup(kind));
    this.opening = answer.catch(() => undefined);
    return answer;
  }

  async requestRestore(snapshotId: string): Promise<RestoreResult> {
    const c = this.context();
    const r = c.current();
    if (!r) return { ok: false, code: "not_found", message: "This employee does not exist." };
    const row = await getSnapshot(c.env.DB, snapshotId);
    if (!row || row.employeeId !== r.id || row.status === "deleted")
      return { ok: false, code: "not_found", message: "This backup does not exist." };
    if (row.status !== "complete")
      return { ok: false, code: "invalid_state", message: "This backup is not complete." };
    const verified = await verifySnapshot(c.env, snapshotId);
    if (!verified.ok) return verified;
    // A snapshot of now first, when there is a container on a server that answers.
    const snapshotFirst = Boolean(r.nodeId && r.containerId) && (await this.online(r.nodeId));
    const t = await this.apply({
      type: "restore_requested",
      snapshot: { id: row.id, createdAt: row.createdAt },
      snapshotFirst,
    });
    if (t.refused)
      return {
        ok: false,
        code: t.refused.code === "not_found" ? "not_found" : "invalid_state",
        message: t.refused.message,
      };
    const now = c.current();
    return now
      ? { ok: true, employee: toView(now) }
      : { ok: false, code: "not_found", message: "This employee does not exist." };
  }

  /** A snapshot.progress event: a backup's is shown live (at most once a second). */
  async progress(event: Extract<AgentEvent, { type: "snapshot.progress" }>): Promise<void> {
    const c = this.context();
    const r = c.current();
    if (!r?.backup || r.backup.snapshotId !== event.snapshotId) return;
    const progress = {
      phase: event.phase,
      bytesDone: event.bytesDone,
      bytesTotal: event.bytesTotal,
    };
    this.lastProgress = { snapshotId: event.snapshotId, progress };
    const now = c.now();
    if (now - this.progressShownAt < BACKUP_PROGRESS_INTERVAL_MS) return;
    this.progressShownAt = now;
    await broadcastBackup(c, r.id, event.snapshotId, progress);
  }

  private async backup(kind: "manual" | "scheduled" | "pre_op"): Promise<BackupResult> {
    const t = await this.apply({ type: "backup_requested", kind });
    if (t.refused)
      return {
        ok: false,
        code:
          t.refused.code === "busy" || t.refused.code === "unchanged"
            ? t.refused.code
            : "invalid_state",
        message: t.refused.message,
      };
    const c = this.context();
    const id = c.current()?.backup?.snapshotId;
    const row = id ? await getSnapshot(c.env.DB, id) : null;
    if (!row) return { ok: false, code: "busy", message: "The backup could not be started." };
    const progress = this.lastProgress?.snapshotId === row.id ? this.lastProgress.progress : null;
    return { ok: true, backup: backupView(row, progress) };
  }

  private async online(nodeId: string | null): Promise<boolean> {
    if (!nodeId) return false;
    try {
      return (await nodeStub(this.context().env, nodeId).status()).connected;
    } catch {
      return false;
    }
  }
}
