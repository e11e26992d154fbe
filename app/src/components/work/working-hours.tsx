import { createSignal, For, Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import type { WorkingHoursInput } from "../../../../edge/contract/schedules.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import { dayName } from "./cron-text.ts";
import { browserTimeZone, isTimeZone, TimeZoneField } from "./time-zone-field.tsx";

// Monday first, as the week is read here; 0 is Sunday in the contract.
const WEEK = [1, 2, 3, 4, 5, 6, 0];

/** "Monday, Tuesday …, 09:00–17:00 (Europe/Berlin)". */
export function hoursText(
  hours: WorkingHoursInput,
  t: ReturnType<typeof useI18n>["t"],
  lang: ReturnType<typeof useI18n>["lang"],
): string {
  const days = WEEK.filter((d) => hours.days.includes(d)).map((d) => dayName(d, lang, "short"));
  return t("hours.summary", {
    days: new Intl.ListFormat(lang, { style: "short", type: "unit" }).format(days),
    from: hours.start,
    to: hours.end,
    zone: hours.timeZone,
  });
}

// The employee's working hours (its heartbeat's active hours): days, from and to, and a time
// zone. Admins change them (PATCH /api/employees/:id {workingHours}); members read them.
export function WorkingHours(props: {
  employee: Employee;
  manages: boolean;
  onChange: (employee: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const initial = props.employee.workingHours;
  const [days, setDays] = createSignal<number[]>(initial?.days ?? [1, 2, 3, 4, 5]);
  const [start, setStart] = createSignal(initial?.start ?? "09:00");
  const [end, setEnd] = createSignal(initial?.end ?? "17:00");
  const [zone, setZone] = createSignal(initial?.timeZone ?? browserTimeZone());
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const save = async (workingHours: WorkingHoursInput | null) => {
    setBusy(true);
    setErrors({});
    try {
      const { employee } = await api("PATCH /api/employees/:id", {
        params: { id: props.employee.id },
        body: { workingHours },
      });
      toast(t("hours.saved"), "info");
      props.onChange(employee);
    } catch (err) {
      if (err instanceof ApiFailure && err.fields) setErrors(err.fields);
      else toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    if (!isTimeZone(zone())) return setErrors({ timeZone: t("schedule.error.zone") });
    void save({
      days: WEEK.filter((d) => days().includes(d)),
      start: start(),
      end: end(),
      timeZone: zone().trim(),
    });
  };
  const fieldError = (name: string) => (
    <Show when={errors()[name] ?? errors()[`workingHours.${name}`]}>
      {(text) => <p class="field-error">{text()}</p>}
    </Show>
  );
  return (
    <section class="card block working-hours" aria-labelledby="hours-title">
      <h3 id="hours-title">{t("hours.title")}</h3>
      <p class="muted">{t("hours.lead", { name: props.employee.name })}</p>
      <p data-testid="hours-now">
        {props.employee.workingHours
          ? hoursText(props.employee.workingHours, t, lang)
          : t("hours.none", { name: props.employee.name })}
      </p>
      <Show when={props.manages}>
        <form onSubmit={submit} noValidate>
          <fieldset class="hours-days">
            <legend>{t("hours.days")}</legend>
            <For each={WEEK}>
              {(d) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name="day"
                    value={d}
                    checked={days().includes(d)}
                    onChange={(e) =>
                      setDays((list) =>
                        e.currentTarget.checked ? [...list, d] : list.filter((x) => x !== d),
                      )
                    }
                  />
                  <span>{dayName(d, lang, "short")}</span>
                </label>
              )}
            </For>
            {fieldError("days")}
          </fieldset>
          <div class="hours-times">
            <label class="field">
              <span>{t("hours.from")}</span>
              <input
                type="time"
                name="start"
                value={start()}
                onInput={(e) => setStart(e.currentTarget.value)}
              />
            </label>
            <label class="field">
              <span>{t("hours.to")}</span>
              <input
                type="time"
                name="end"
                value={end()}
                onInput={(e) => setEnd(e.currentTarget.value)}
              />
            </label>
          </div>
          {fieldError("start")}
          {fieldError("end")}
          <TimeZoneField
            name="hoursTimeZone"
            label={t("schedule.form.zone")}
            value={zone()}
            onInput={setZone}
            error={errors().timeZone ?? errors()["workingHours.timeZone"]}
          />
          <div class="actions">
            <button class="button primary" type="submit" disabled={busy()}>
              {t("hours.save")}
            </button>
            <Show when={props.employee.workingHours}>
              <button
                class="button"
                type="button"
                disabled={busy()}
                onClick={() => void save(null)}
              >
                {t("hours.clear")}
              </button>
            </Show>
          </div>
        </form>
      </Show>
    </section>
  );
}
