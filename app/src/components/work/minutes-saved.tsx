import { createSignal, For, Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { type MinutesSaved, WORK_KINDS, type WorkKind } from "../../../../edge/contract/ledger.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";

// The owner's estimate of the minutes a person would spend on one piece of the employee's work,
// by kind (PATCH /api/employees/:id {minutesSaved}): the report card's hours saved follow it.
export function MinutesSavedForm(props: {
  employee: Employee;
  /** What the report used (the employee's own or its role's defaults). */
  minutes: MinutesSaved;
  onSaved: (employee: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [values, setValues] = createSignal<MinutesSaved>({ ...props.minutes });
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const set = (kind: WorkKind, text: string) =>
    setValues((v) => ({ ...v, [kind]: Number.parseInt(text, 10) }));
  const valid = () =>
    WORK_KINDS.every(
      (k) => Number.isInteger(values()[k]) && values()[k] >= 0 && values()[k] <= 480,
    );
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!valid()) return;
    setBusy(true);
    setErrors({});
    try {
      const { employee } = await api("PATCH /api/employees/:id", {
        params: { id: props.employee.id },
        body: { minutesSaved: values() },
      });
      toast(t("report.minutesSaved"), "info");
      props.onSaved(employee);
    } catch (err) {
      if (err instanceof ApiFailure && err.fields) setErrors(err.fields);
      else toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="minutes-saved" onSubmit={save} noValidate aria-labelledby="minutes-title">
      <h4 id="minutes-title">{t("report.minutes")}</h4>
      <p class="muted">{t("report.minutesLead")}</p>
      <div class="minutes-fields">
        <For each={WORK_KINDS}>
          {(k) => (
            <label class="field">
              <span>{t(`work.kind.${k}`)}</span>
              <input
                type="number"
                name={`minutes-${k}`}
                min="0"
                max="480"
                step="1"
                inputmode="numeric"
                value={Number.isNaN(values()[k]) ? "" : values()[k]}
                onInput={(e) => set(k, e.currentTarget.value)}
              />
            </label>
          )}
        </For>
      </div>
      <Show when={Object.keys(errors()).length}>
        <p class="field-error">{Object.values(errors()).join(" ")}</p>
      </Show>
      <div class="actions">
        <button class="button" type="submit" disabled={busy() || !valid()}>
          {t("report.minutesSave")}
        </button>
      </div>
    </form>
  );
}
