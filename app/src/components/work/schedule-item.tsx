import { createSignal, Show } from "solid-js";
import type { ScheduleView } from "../../../../edge/contract/schedules.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { apiMessage } from "../../lib/messages.ts";
import { ConfirmDialog } from "../confirm-dialog.tsx";
import { toast } from "../toasts.tsx";
import { cronSentence } from "./cron-text.ts";
import { outcomeText } from "./work-text.ts";

// One scheduled task: what and when in words, its next and last run; for admins a switch and
// Delete (asked first). A switch that fails goes back and says why.
export function ScheduleItem(props: {
  schedule: ScheduleView;
  employeeName: string;
  manages: boolean;
  onChange: (schedule: ScheduleView) => void;
  onDeleted: (id: string) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const [asking, setAsking] = createSignal(false);
  const s = () => props.schedule;
  const params = () => ({ id: s().employeeId, scheduleId: s().id });
  const toggle = async (enabled: boolean) => {
    setBusy(true);
    try {
      const { schedule } = await api("PATCH /api/employees/:id/schedules/:scheduleId", {
        params: params(),
        body: { enabled },
      });
      props.onChange(schedule);
    } catch (err) {
      toast(apiMessage(err, t, lang));
      props.onChange({ ...s() });
    } finally {
      setBusy(false);
    }
  };
  const remove = async (): Promise<boolean> => {
    try {
      await api("DELETE /api/employees/:id/schedules/:scheduleId", { params: params() });
      toast(t("schedule.deleted", { title: s().title }), "info");
      props.onDeleted(s().id);
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      return false;
    }
  };
  return (
    <li class="card schedule" data-schedule={s().id} data-enabled={String(s().enabled)}>
      <div class="schedule-head">
        <h3>{s().title}</h3>
        <Show when={props.manages}>
          <label class="switch">
            <input
              type="checkbox"
              checked={s().enabled}
              disabled={busy()}
              onChange={(e) => void toggle(e.currentTarget.checked)}
            />
            <span>{t("schedule.enabled")}</span>
          </label>
        </Show>
      </div>
      <p data-testid="schedule-when">{cronSentence(s().cron, s().timeZone, t, lang)}</p>
      <p class="muted schedule-prompt">{s().prompt}</p>
      <ul class="schedule-facts">
        <li data-testid="schedule-next">
          {s().nextRunAt
            ? t("schedule.next", { time: formatDateTime(s().nextRunAt, lang) })
            : t("schedule.noNext")}
        </li>
        <li data-testid="schedule-last">
          <Show when={s().lastRun} fallback={t("schedule.never")}>
            {(run) => (
              <>
                {t("schedule.last", {
                  time: formatDateTime(run().at, lang),
                  outcome: outcomeText(run().outcome, t),
                })}
              </>
            )}
          </Show>
        </li>
        <Show when={s().deliverTo}>
          {(kind) => <li>{t("schedule.deliver", { kind: t(`channel.kind.${kind()}`) })}</li>}
        </Show>
      </ul>
      <Show when={props.manages}>
        <div class="actions">
          <button class="button small danger" type="button" onClick={() => setAsking(true)}>
            {t("schedule.delete")}
          </button>
        </div>
      </Show>
      <Show when={asking()}>
        <ConfirmDialog
          title={t("schedule.deleteTitle", { title: s().title })}
          confirmLabel={t("schedule.delete")}
          onConfirm={remove}
          onClose={() => setAsking(false)}
        >
          <p>{t("schedule.deleteText", { name: props.employeeName })}</p>
        </ConfirmDialog>
      </Show>
    </li>
  );
}
