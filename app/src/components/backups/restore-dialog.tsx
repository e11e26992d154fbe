import { createSignal, Show } from "solid-js";
import type { Backup } from "../../../../edge/contract/backup.ts";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { ConfirmDialog } from "../confirm-dialog.tsx";
import { backupError } from "./backup-text.ts";
import { relativeTime, shortTime } from "./restored-from.tsx";

// The question before a restore, saying what it costs: everything since the backup's time is
// undone, a backup of now is taken first (so it can be undone in turn), and the employee
// restarts. Confirmed, the edge answers with the employee `restoring`; the page shows its steps
// from there. A refusal is said in the dialog, which stays open; a backup that is gone or
// damaged makes the list fetch again (the edge marks a damaged one failed).
export function RestoreDialog(props: {
  employee: Employee;
  backup: Backup;
  now: number;
  onRestoring: (e: Employee) => void;
  onStale: () => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [error, setError] = createSignal<string | null>(null);
  const name = () => props.employee.name;
  const time = () => shortTime(props.backup.createdAt, lang);
  const restore = async (): Promise<boolean> => {
    setError(null);
    try {
      const { employee } = await api("POST /api/employees/:id/backups/:backupId/restore", {
        params: { id: props.employee.id, backupId: props.backup.id },
      });
      props.onRestoring(employee);
      return true;
    } catch (err) {
      setError(backupError(err, name(), t, lang));
      const code: string | null = err instanceof ApiFailure ? err.code : null;
      if (code === "not_found" || code === "snapshot_corrupt") props.onStale();
      return false;
    }
  };
  return (
    <ConfirmDialog
      title={t("backups.restore.title", { name: name(), time: time() })}
      confirmLabel={t("backups.restore")}
      onConfirm={restore}
      onClose={props.onClose}
    >
      <div class="restore-what" data-testid="restore-what">
        <p>
          {t("backups.restore.lost", {
            name: name(),
            ago: relativeTime(props.backup.createdAt, props.now, lang),
            time: time(),
          })}
        </p>
        <p>{t("backups.restore.undo", { name: name() })}</p>
        <p>{t("backups.restore.restart", { name: name() })}</p>
      </div>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
    </ConfirmDialog>
  );
}
