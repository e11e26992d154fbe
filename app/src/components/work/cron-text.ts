import type { Lang } from "../../i18n/i18n.tsx";

// A scheduled task's cron expression in words, for the forms people pick from (every day,
// every weekday, every Monday, every hour, every N minutes, a day of the month); anything else
// is shown as the expression itself. And the form's presets as expressions.

export const PRESETS = ["daily", "weekdays", "monday", "hourly", "advanced"] as const;
export type Preset = (typeof PRESETS)[number];

type Say = (key: CronKey, vars?: Record<string, string | number>) => string;
export type CronKey =
  | "cron.daily"
  | "cron.weekdays"
  | "cron.days"
  | "cron.hourly"
  | "cron.minutes"
  | "cron.hours"
  | "cron.seconds"
  | "cron.monthly"
  | "cron.inZone";

const num = (s: string | undefined, max: number): number | null =>
  s !== undefined && /^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : null;
const clock = (h: number, m: number) =>
  `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;

/** Day names in the visitor's language, 0 = Sunday (1 Jan 2023 was a Sunday). */
export const dayName = (day: number, lang: Lang, width: "long" | "short" = "long"): string =>
  new Intl.DateTimeFormat(lang, { weekday: width, timeZone: "UTC" }).format(
    new Date(Date.UTC(2023, 0, 1 + (day % 7))),
  );

/** "1,3,5" or "1-5" (0 or 7 = Sunday) → the days, or null when it is not that simple. */
function days(field: string): number[] | null {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const range = /^(\d)-(\d)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (a > b || b > 7) return null;
      for (let d = a; d <= b; d++) out.add(d % 7);
    } else if (/^\d$/.test(part) && Number(part) <= 7) out.add(Number(part) % 7);
    else return null;
  }
  return [...out].sort((a, b) => a - b);
}

/** The expression's rhythm in words, or null for a form we do not put into words. */
export function cronRhythm(cron: string, say: Say, lang: Lang): string | null {
  const parts = cron.trim().split(/\s+/);
  if (parts.length === 6) {
    // With seconds: only "every N seconds" is said; the rest as the expression.
    const [s, ...rest] = parts;
    const every = /^\*\/(\d+)$/.exec(s ?? "");
    return every && rest.every((p) => p === "*")
      ? say("cron.seconds", { n: Number(every[1]) })
      : null;
  }
  if (parts.length !== 5) return null;
  const [mi = "", h = "", dom = "", mon = "", dow = ""] = parts;
  const everyMinutes = /^\*\/(\d+)$/.exec(mi);
  if (everyMinutes && h === "*" && dom === "*" && mon === "*" && dow === "*")
    return say("cron.minutes", { n: Number(everyMinutes[1]) });
  const minute = num(mi, 59);
  if (minute === null || mon !== "*") return null;
  const everyHours = /^\*\/(\d+)$/.exec(h);
  if (everyHours && dom === "*" && dow === "*")
    return say("cron.hours", { n: Number(everyHours[1]), minute: String(minute).padStart(2, "0") });
  if (h === "*" && dom === "*" && dow === "*")
    return say("cron.hourly", { minute: String(minute).padStart(2, "0") });
  const hour = num(h, 23);
  if (hour === null) return null;
  const time = clock(hour, minute);
  if (dom === "*" && dow === "*") return say("cron.daily", { time });
  const monthDay = num(dom, 31);
  if (monthDay !== null && monthDay > 0 && dow === "*")
    return say("cron.monthly", { day: monthDay, time });
  if (dom !== "*") return null;
  const list = days(dow);
  if (!list || list.length === 0) return null;
  if (list.length === 5 && list.join() === "1,2,3,4,5") return say("cron.weekdays", { time });
  if (list.length === 7) return say("cron.daily", { time });
  // Monday first, as the week is read in the languages we speak.
  const ordered = [...list.filter((d) => d !== 0), ...list.filter((d) => d === 0)];
  const names = new Intl.ListFormat(lang, { type: "conjunction" }).format(
    ordered.map((d) => dayName(d, lang)),
  );
  return say("cron.days", { days: names, time });
}

/** "Every weekday at 09:00 (Europe/Berlin)", or the expression with its zone. */
export function cronSentence(cron: string, timeZone: string, say: Say, lang: Lang): string {
  return say("cron.inZone", { rhythm: cronRhythm(cron, say, lang) ?? cron, zone: timeZone });
}

/** A preset at a time ("09:00") as a cron expression; hourly fires on the hour. */
export function presetCron(preset: Exclude<Preset, "advanced">, time: string): string {
  const [h = "9", m = "0"] = time.split(":");
  const at = `${Number(m)} ${Number(h)}`;
  switch (preset) {
    case "daily":
      return `${at} * * *`;
    case "weekdays":
      return `${at} * * 1-5`;
    case "monday":
      return `${at} * * 1`;
    case "hourly":
      return "0 * * * *";
  }
}

/** A quick look before the server's check (croner's): five or six fields of cron's characters. */
export const looksLikeCron = (cron: string): boolean => {
  const parts = cron.trim().split(/\s+/);
  return (
    (parts.length === 5 || parts.length === 6) &&
    parts.every((p) => /^[\d*/,\-A-Za-z?LW#]+$/.test(p))
  );
};
