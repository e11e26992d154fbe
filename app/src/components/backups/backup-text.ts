import type { Backup, BackupProgress, BackupReason } from "../../../../edge/contract/backup.ts";
import type { MessageKey } from "../../i18n/en.ts";
import type { Lang } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { formatSize } from "../../lib/format.ts";
import { apiMessage } from "../../lib/messages.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

// The Backups tab's words for what the contract names by id (edge/contract/backup.ts): a reason
// or phase added there without a line here is a type error.
export const REASON_TEXT: Record<BackupReason, MessageKey> = {
  scheduled: "backups.reason.scheduled",
  manual: "backups.reason.manual",
  pre_restore: "backups.reason.pre_restore",
  pre_op: "backups.reason.pre_op",
  final: "backups.reason.final",
};

export const PHASE_TEXT: Record<BackupProgress["phase"], MessageKey> = {
  archiving: "backups.phase.archiving",
  uploading: "backups.phase.uploading",
  downloading: "backups.phase.downloading",
  swapping: "backups.phase.swapping",
  starting: "backups.phase.starting",
};

export const STATUS_TONE: Record<Backup["status"], string> = {
  pending: "accent",
  complete: "success",
  failed: "danger",
};

// An employee's whole state reaches gigabytes: formatSize stops at MB.
const GB = 1024 ** 3;
export const backupSize = (bytes: number, lang: Lang): string =>
  bytes >= GB
    ? `${(bytes / GB).toLocaleString(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} GB`
    : formatSize(bytes, lang);

/** "Uploading: 12.0 MB of 40.0 MB", or without a total while it is not known yet. */
export function progressText(p: BackupProgress, t: T, lang: Lang): string {
  const phase = t(PHASE_TEXT[p.phase]);
  const done = backupSize(p.bytesDone, lang);
  return p.bytesTotal
    ? t("backups.progress", { phase, done, total: backupSize(p.bytesTotal, lang) })
    : t("backups.progressOpen", { phase, done });
}

// The refusals a backup or a restore can meet, said about this employee; the codes the edge adds
// for them (edge/routes/backup-routes.ts) are compared as text, so an app older than the edge's
// error list still says them.
const ERROR_TEXT: Record<string, MessageKey> = {
  invalid_state: "backups.error.invalid_state",
  snapshot_corrupt: "backups.error.snapshot_corrupt",
  not_found: "backups.error.not_found",
  busy: "backups.error.busy",
  unchanged: "backups.error.unchanged",
};

export function backupError(err: unknown, name: string, t: T, lang: Lang): string {
  const code: string | null = err instanceof ApiFailure ? err.code : null;
  const key = code && Object.hasOwn(ERROR_TEXT, code) ? ERROR_TEXT[code] : undefined;
  return key ? t(key, { name }) : apiMessage(err, t, lang);
}
