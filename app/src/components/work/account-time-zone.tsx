import { createSignal } from "solid-js";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import { isTimeZone, TimeZoneField } from "./time-zone-field.tsx";
import "../../i18n/work-texts.ts";

// The account's time zone (the owner's, PATCH /api/account {timeZone}): report weeks run
// Monday to Sunday in it, and the weekly email goes out on its Monday morning.
export function AccountTimeZone(props: { timeZone: string; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [zone, setZone] = createSignal(props.timeZone);
  const [error, setError] = createSignal<string | undefined>();
  const [busy, setBusy] = createSignal(false);
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!isTimeZone(zone())) return setError(t("schedule.error.zone"));
    setError(undefined);
    setBusy(true);
    try {
      await api("PATCH /api/account", { body: { timeZone: zone().trim() } });
      toast(t("report.zoneSaved"), "info");
      props.onChanged();
    } catch (err) {
      if (err instanceof ApiFailure && err.fields?.timeZone) setError(err.fields.timeZone);
      else toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-field account-time-zone" onSubmit={save} noValidate>
      <TimeZoneField
        label={t("report.zoneTitle")}
        value={zone()}
        onInput={setZone}
        error={error()}
      />
      <button class="button" type="submit" disabled={busy() || zone().trim() === props.timeZone}>
        {t("report.zoneSave")}
      </button>
    </form>
  );
}

export default AccountTimeZone;
