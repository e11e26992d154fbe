import * as z from "zod/mini";

// Backups (snapshots) of an employee's whole state, as the API shows them (issue 16). A snapshot
// is incremental and content-addressed under the hood (edge/snapshots/); to the customer it is a
// restore point with a time, a size and why it was taken.

/** Why a snapshot was taken. */
export const BACKUP_REASONS = [
  "scheduled", // the 15-minute timer, while the employee's state changes
  "manual", // "Back up now" in the dashboard
  "pre_restore", // the state just before a restore, so the restore can be undone
  "pre_op", // before another risky operation (an upgrade, a migration)
  "final", // after a stop, before the employee moves to another server (drain)
] as const;
export const BackupReason = z.enum(BACKUP_REASONS);
export type BackupReason = z.infer<typeof BackupReason>;

export const BACKUP_STATUSES = ["pending", "complete", "failed"] as const;
export const BackupStatus = z.enum(BACKUP_STATUSES);
export type BackupStatus = z.infer<typeof BackupStatus>;

/** How far a backup (or a restore) in progress is: bytes read or written of about how many. */
export const BackupProgress = z.object({
  phase: z.enum(["archiving", "uploading", "downloading", "swapping", "starting"]),
  bytesDone: z.number(),
  bytesTotal: z.nullable(z.number()),
});
export type BackupProgress = z.infer<typeof BackupProgress>;

export const Backup = z.object({
  id: z.string(),
  createdAt: z.string(),
  completedAt: z.nullable(z.string()),
  /** The state's whole size (what a restore writes). */
  sizeBytes: z.number(),
  /** What this backup added to storage (only what changed since the one before). */
  storedBytes: z.number(),
  reason: BackupReason,
  status: BackupStatus,
  /** Why it failed, in words for the customer. */
  error: z.nullable(z.string()),
  openclawVersion: z.nullable(z.string()),
  progress: z.nullable(BackupProgress),
});
export type Backup = z.infer<typeof Backup>;

export const BackupList = z.object({ backups: z.array(Backup) });
export const OneBackup = z.object({ backup: Backup });
