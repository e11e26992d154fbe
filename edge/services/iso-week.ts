// ISO weeks (Monday to Monday) in an IANA time zone, for the report cards (issue 18): a week
// runs from Monday 00:00 local time to the next Monday 00:00, whatever the offset did between
// (a daylight-saving change makes it 167 or 169 hours long).

const DAY_MS = 86_400_000;

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at `ms`. */
export function civilAt(ms: number, timeZone: string): Civil {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms)))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, hour: parts.hour ?? 0, minute: parts.minute ?? 0, weekday };
}

// How far the zone's wall clock is ahead of UTC at `ms`.
function offsetAt(ms: number, timeZone: string): number {
  const c = civilAt(ms, timeZone);
  const seconds = new Date(ms).getUTCSeconds();
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, seconds) - (ms - (ms % 1000));
}

/** The moment the zone's clock shows midnight starting that date (a civil date as UTC ms). */
function localMidnight(civilDayUtc: number, timeZone: string): number {
  let t = civilDayUtc - offsetAt(civilDayUtc, timeZone);
  // Once more with the offset found there (it differs across a change of offset).
  t = civilDayUtc - offsetAt(t, timeZone);
  return t;
}

/** The civil date (as UTC ms at 00:00) of the Monday of ISO week `week` of `isoYear`. */
function mondayOf(isoYear: number, week: number): number {
  const jan4 = Date.UTC(isoYear, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - dow * DAY_MS + (week - 1) * 7 * DAY_MS;
}

/** ISO weeks in a year: 53 when it starts on a Thursday, or a leap year on a Wednesday. */
function weeksIn(isoYear: number): number {
  const jan1 = (new Date(Date.UTC(isoYear, 0, 1)).getUTCDay() + 6) % 7;
  const leap = new Date(Date.UTC(isoYear, 1, 29)).getUTCMonth() === 1;
  return jan1 === 3 || (leap && jan1 === 2) ? 53 : 52;
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** The ISO week ("2026-W49") a civil date (UTC ms at 00:00) falls in. */
function weekOfCivil(civilDayUtc: number): string {
  const dow = (new Date(civilDayUtc).getUTCDay() + 6) % 7;
  const thursday = civilDayUtc + (3 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${pad(year, 4)}-W${pad(week, 2)}`;
}

/** The ISO week that is current at `now` in `timeZone`. */
export function weekAt(now: number, timeZone: string): string {
  const c = civilAt(now, timeZone);
  return weekOfCivil(Date.UTC(c.year, c.month - 1, c.day));
}

/** The week before `week`. */
export function previousWeek(week: string): string {
  const bounds = parseWeek(week);
  if (!bounds) throw new Error(`not an ISO week: ${week}`);
  return weekOfCivil(mondayOf(bounds.year, bounds.week) - 7 * DAY_MS);
}

function parseWeek(week: string): { year: number; week: number } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > weeksIn(year)) return null;
  return { year, week: n };
}

/** Monday 00:00 to the next Monday 00:00 in `timeZone`, as epoch ms; null for no such week
 * (W53 of a year with 52). */
export function weekBounds(week: string, timeZone: string): { from: number; to: number } | null {
  const parsed = parseWeek(week);
  if (!parsed) return null;
  const monday = mondayOf(parsed.year, parsed.week);
  return {
    from: localMidnight(monday, timeZone),
    to: localMidnight(monday + 7 * DAY_MS, timeZone),
  };
}
