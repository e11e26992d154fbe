// ISO weeks ("2026-W49") for the report card's week picker: the week before and after one the
// server answered for (the server decides which week is "this week", in the account's time
// zone), and a week's Monday for saying it as dates.

/** The Monday (UTC midnight) of an ISO week. */
export function mondayOf(week: string): Date {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new Error(`not a week: ${week}`);
  const [year, n] = [Number(m[1]), Number(m[2])];
  // 4 January is always in week 1.
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday1 = jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday1 + (n - 1) * 7 * 86_400_000);
}

/** The ISO week a (UTC) day is in. */
export function weekOf(day: Date): string {
  const d = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  // The week's Thursday decides its year.
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));
  const year = d.getUTCFullYear();
  const n = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(n).padStart(2, "0")}`;
}

/** The week `by` weeks after (before, when negative) `week`. */
export const shiftWeek = (week: string, by: number): string =>
  weekOf(new Date(mondayOf(week).getTime() + by * 7 * 86_400_000));
