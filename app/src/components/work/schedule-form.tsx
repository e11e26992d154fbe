import { createSignal, For, Show } from "solid-js";
import type { ChannelKind } from "../../../../edge/contract/channels.ts";
import type { ScheduleView } from "../../../../edge/contract/schedules.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import { cronSentence, looksLikeCron, PRESETS, type Preset, presetCron } from "./cron-text.ts";
import { browserTimeZone, isTimeZone, TimeZoneField } from "./time-zone-field.tsx";

type Field = "title" | "prompt" | "time" | "cron" | "timeZone";

// Scheduling a task: a title, what to do, when (a preset at a time, or a cron expression), the
// time zone (the browser's by default) and, optionally, a connected channel its result also
// goes to. What the form can check it says at the field; the server's verdict on the expression
// (croner's, with the minimum interval) comes back as fields.cron and is said at the same place.
export function ScheduleForm(props: {
  employeeId: string;
  employeeName: string;
  channels: ChannelKind[];
  onAdded: (schedule: ScheduleView) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [title, setTitle] = createSignal("");
  const [prompt, setPrompt] = createSignal("");
  const [preset, setPreset] = createSignal<Preset>("weekdays");
  const [time, setTime] = createSignal("09:00");
  const [cron, setCron] = createSignal("");
  const [zone, setZone] = createSignal(browserTimeZone());
  const [deliverTo, setDeliverTo] = createSignal<ChannelKind | "">("");
  const [errors, setErrors] = createSignal<Partial<Record<Field, string>>>({});
  const [alert, setAlert] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  const expression = () => {
    const p = preset();
    return p === "advanced" ? cron().trim() : presetCron(p, time());
  };
  const check = (): Partial<Record<Field, string>> => {
    const found: Partial<Record<Field, string>> = {};
    if (!title().trim()) found.title = t("schedule.error.required");
    if (!prompt().trim()) found.prompt = t("schedule.error.required");
    if (preset() === "advanced") {
      if (!looksLikeCron(cron())) found.cron = t("schedule.error.cron");
    } else if (preset() !== "hourly" && !/^([01]\d|2[0-3]):[0-5]\d$/.test(time()))
      found.time = t("schedule.error.time");
    if (!isTimeZone(zone())) found.timeZone = t("schedule.error.zone");
    return found;
  };
  // The server names the expression "cron"; with a preset it is said at the time.
  const cronAt = (): Field => (preset() === "advanced" || preset() === "hourly" ? "cron" : "time");
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setAlert("");
    const found = check();
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const { schedule } = await api("POST /api/employees/:id/schedules", {
        params: { id: props.employeeId },
        body: {
          title: title().trim(),
          prompt: prompt().trim(),
          cron: expression(),
          timeZone: zone().trim(),
          deliverTo: deliverTo() || null,
        },
      });
      toast(t("schedule.added", { title: schedule.title }), "info");
      setTitle("");
      setPrompt("");
      props.onAdded(schedule);
    } catch (err) {
      if (err instanceof ApiFailure && err.fields && Object.keys(err.fields).length) {
        const { cron: cronError, ...rest } = err.fields;
        setErrors({ ...rest, ...(cronError ? { [cronAt()]: cronError } : {}) });
        if (err.code === "invalid_schedule" && !cronError) setAlert(apiMessage(err, t, lang));
      } else setAlert(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  const error = (field: Field) => (
    <Show when={errors()[field]}>
      <p class="field-error" data-field-error={field}>
        {errors()[field]}
      </p>
    </Show>
  );
  return (
    <form
      class="card block schedule-form"
      onSubmit={submit}
      noValidate
      aria-labelledby="schedule-add"
    >
      <h3 id="schedule-add">{t("schedule.add")}</h3>
      <Show when={alert()}>
        <p class="alert" role="alert" data-testid="schedule-alert">
          {alert()}
        </p>
      </Show>
      <label class="field">
        <span>{t("schedule.form.title")}</span>
        <input
          name="title"
          maxLength={80}
          value={title()}
          aria-invalid={errors().title ? "true" : undefined}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
      </label>
      {error("title")}
      <label class="field">
        <span>{t("schedule.form.prompt")}</span>
        <textarea
          name="prompt"
          rows={3}
          maxLength={4000}
          value={prompt()}
          aria-invalid={errors().prompt ? "true" : undefined}
          onInput={(e) => setPrompt(e.currentTarget.value)}
        />
      </label>
      <p class="muted hint">{t("schedule.form.promptHint", { name: props.employeeName })}</p>
      {error("prompt")}
      <div class="schedule-when">
        <label class="field">
          <span>{t("schedule.form.when")}</span>
          <select
            name="preset"
            value={preset()}
            onChange={(e) => setPreset(e.currentTarget.value as Preset)}
          >
            <For each={PRESETS}>
              {(p) => <option value={p}>{t(`schedule.preset.${p}`)}</option>}
            </For>
          </select>
        </label>
        <Show when={preset() !== "advanced" && preset() !== "hourly"}>
          <label class="field">
            <span>{t("schedule.form.time")}</span>
            <input
              name="time"
              type="time"
              value={time()}
              aria-invalid={errors().time ? "true" : undefined}
              onInput={(e) => setTime(e.currentTarget.value)}
            />
          </label>
        </Show>
      </div>
      {error("time")}
      <Show when={preset() === "advanced"}>
        <label class="field">
          <span>{t("schedule.form.cron")}</span>
          <input
            name="cron"
            class="mono"
            spellcheck={false}
            autocomplete="off"
            value={cron()}
            aria-invalid={errors().cron ? "true" : undefined}
            onInput={(e) => setCron(e.currentTarget.value)}
          />
        </label>
        <p class="muted hint">{t("schedule.form.cronHint")}</p>
      </Show>
      {error("cron")}
      <TimeZoneField
        label={t("schedule.form.zone")}
        value={zone()}
        onInput={setZone}
        error={errors().timeZone}
      />
      <Show when={props.channels.length > 0}>
        <label class="field">
          <span>{t("schedule.form.deliver")}</span>
          <select
            name="deliverTo"
            value={deliverTo()}
            onChange={(e) => setDeliverTo(e.currentTarget.value as ChannelKind | "")}
          >
            <option value="">{t("schedule.form.deliverNone")}</option>
            <For each={props.channels}>
              {(kind) => <option value={kind}>{t(`channel.kind.${kind}`)}</option>}
            </For>
          </select>
        </label>
      </Show>
      <Show when={!check().cron && expression()}>
        <p class="muted" data-testid="schedule-preview">
          {cronSentence(expression(), zone().trim() || "UTC", t, lang)}
        </p>
      </Show>
      <div class="actions">
        <button class="button primary" type="submit" disabled={busy()}>
          {t("schedule.form.submit")}
        </button>
      </div>
    </form>
  );
}
