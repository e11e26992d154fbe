import { createSignal, Show } from "solid-js";
import type { Backup } from "../../../../edge/contract/backup.ts";
import { BACKUP_ALLOWED_FROM, type Employee } from "../../../../edge/contract/employee.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { toast } from "../toasts.tsx";
import { backupError } from "./backup-text.ts";

// "Back up now", for the roles that manage employees (the panel leaves it out for the others).
// Off, with the reason under it, while the status allows no backup or one is being taken (the
// edge would answer with that one anyway). The new backup shows in the list at once, pending;
// the live frames move it on.
export function BackupNow(props: {
  employee: Employee;
  pending: boolean;
  onStarted: (b: Backup) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const [said, setSaid] = createSignal("");
  const name = () => props.employee.name;
  const why = () =>
    !BACKUP_ALLOWED_FROM.includes(props.employee.status)
      ? t("backups.now.why.status", { name: name() })
      : props.pending
        ? t("backups.now.why.pending")
        : null;
  const take = async () => {
    setBusy(true);
    try {
      const { backup } = await api("POST /api/employees/:id/backups", {
        params: { id: props.employee.id },
      });
      props.onStarted(backup);
      setSaid(t("backups.now.started", { name: name() }));
    } catch (err) {
      toast(backupError(err, name(), t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="backup-now">
      <button
        class="button primary"
        type="button"
        disabled={busy() || why() !== null}
        aria-describedby={why() ? "backup-now-why" : undefined}
        onClick={() => void take()}
      >
        {t("backups.now")}
      </button>
      <Show when={why()}>
        <p class="muted" id="backup-now-why">
          {why()}
        </p>
      </Show>
      <p class="visually-hidden" role="status">
        {said()}
      </p>
    </div>
  );
}
