import type { Lang } from "../../i18n/i18n.tsx";

// The Backups tab's days: a backup's local calendar day to group by, and the day's heading.

const DAY = 24 * 60 * 60_000;

const startOfDay = (t: number) => {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

/** The local calendar day of a moment, as a key to group by. */
export const dayKey = (iso: string): string => new Date(startOfDay(Date.parse(iso))).toISOString();

/** "Today", "Yesterday", else the date in full ("Tuesday, 1 December 2026"). */
export function dayLabel(iso: string, now: number, lang: Lang): string {
  const days = Math.round((startOfDay(Date.parse(iso)) - startOfDay(now)) / DAY);
  if (days === 0 || days === -1) {
    const word = new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(days, "day");
    return word.charAt(0).toLocaleUpperCase(lang) + word.slice(1);
  }
  return new Date(iso).toLocaleDateString(lang, { dateStyle: "full" });
}

/** The time of day ("14:05", "2:05 PM"). */
export const timeOfDay = (iso: string, lang: Lang): string =>
  new Date(iso).toLocaleTimeString(lang, { timeStyle: "short" });
