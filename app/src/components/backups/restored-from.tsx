import { createSignal, onCleanup, onMount, Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { type Lang, useI18n } from "../../i18n/i18n.tsx";

// "Restored from the backup of <time> (<how long ago>)" on an employee put back from a backup:
// by a person in the Backups tab, or by itself on another server after its own was lost. The
// edge keeps `restoredFrom` until a person next restarts it; while it is still `restoring` the
// line says where it is going. Why it was restored (a lost server) is the edge's statusReason:
// said as it is for English readers, kept as technical details for others (as StatusReason does).
// The dashboard's cards and the workspace load it only for such an employee (lazy), and the time
// words the Backups tab shares with it live here, so the two lazy chunks share one small module.
export function RestoredFrom(props: { employee: Employee; class?: string }) {
  const { t, lang } = useI18n();
  const now = createNow();
  const reason = () => {
    const e = props.employee;
    return e.status === "error" || e.status === "stopped" ? null : e.statusReason;
  };
  return (
    <Show when={props.employee.restoredFrom}>
      {(at) => (
        <div class={props.class ?? "notice"} data-testid="restored-from">
          <span title={exactTime(at(), lang)}>
            {t(
              props.employee.status === "restoring"
                ? "backups.restoringTo"
                : "backups.restoredFrom",
              { time: shortTime(at(), lang), ago: relativeTime(at(), now(), lang) },
            )}
          </span>
          <Show when={reason()}>
            {(r) => (
              <Show when={lang !== "en"} fallback={<span class="muted"> {r()}</span>}>
                <details>
                  <summary>{t("reason.details")}</summary>
                  <p lang="en">{r()}</p>
                </details>
              </Show>
            )}
          </Show>
        </div>
      )}
    </Show>
  );
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How often a relative time on screen moves on. */
export const RELATIVE_TICK_MS = 30_000;

/** "3 minutes ago", "yesterday", "vor 2 Stunden": the language's own words (Intl). */
export function relativeTime(iso: string, now: number, lang: Lang): string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  if (abs < MINUTE) return rtf.format(0, "second");
  if (abs < HOUR) return rtf.format(Math.round(ms / MINUTE), "minute");
  if (abs < DAY) return rtf.format(Math.round(ms / HOUR), "hour");
  if (abs < 30 * DAY) return rtf.format(Math.round(ms / DAY), "day");
  return rtf.format(Math.round(ms / (30 * DAY)), "month");
}

/** "2 Dec 2026, 14:05": the moment in a sentence. */
export const shortTime = (iso: string, lang: Lang): string =>
  new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });

/** The moment in full, for a title. */
export const exactTime = (iso: string, lang: Lang): string =>
  new Date(iso).toLocaleString(lang, { dateStyle: "full", timeStyle: "medium" });

/** The time now, moving on every RELATIVE_TICK_MS while the component is shown. */
export function createNow() {
  const [now, setNow] = createSignal(Date.now());
  onMount(() => {
    const tick = setInterval(() => setNow(Date.now()), RELATIVE_TICK_MS);
    onCleanup(() => clearInterval(tick));
  });
  return now;
}
