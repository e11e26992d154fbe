import type { SnapshotRow } from "../../db/schema.ts";
import type { Backup, BackupProgress } from "../contract/backup.ts";

// A catalogue row as the API and the live socket show it (edge/contract/backup.ts). A snapshot
// marked deleted by retention is not a restore point and is never shown.
export function backupView(row: SnapshotRow, progress: BackupProgress | null = null): Backup {
  return {
    id: row.id,
    createdAt: new Date(row.createdAt).toISOString(),
    completedAt: row.completedAt === null ? null : new Date(row.completedAt).toISOString(),
    sizeBytes: row.logicalBytes,
    storedBytes: row.storedBytes,
    reason: row.kind,
    status: row.status === "deleted" ? "failed" : row.status,
    error: row.error,
    openclawVersion: row.openclawVersion,
    progress: row.status === "pending" ? progress : null,
  };
}
