import type { SnapshotRetention } from "../billing/plans.ts";

// Which restore points an employee keeps (issue 16), grandfather-father-son over complete
// snapshots, as a pure function of the rows, the plan's retention and the clock:
// - every snapshot of the last `recentHours`;
// - the newest of each of the last `daily` UTC days (today included);
// - the newest of each of the last `weekly` ISO weeks (Monday to Sunday, UTC);
// - a snapshot a person or an operation asked for (not the timer's) for MANUAL_KEEP_MS;
// - the newest complete snapshot, always (an employee idle for months still has one);
// - one with an explicit `expiresAt` until then, whatever the rest says.
// Failed snapshots go after FAILED_KEEP_MS (the list shows why they failed meanwhile); pending
// ones are the timeout's business, never retention's.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MANUAL_KEEP_MS = 7 * DAY_MS;
export const FAILED_KEEP_MS = 7 * DAY_MS;

export interface RetainedRow {
  id: string;
  kind: string;
  status: string;
  createdAt: number;
  expiresAt: number | null;
}

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);
// Days since the epoch (a Thursday) shifted so weeks start on Monday.
const weekOf = (ms: number) => Math.floor((dayOf(ms) + 3) / 7);

/** The ids of `rows` that retention deletes now. */
export function expiredSnapshots(
  rows: readonly RetainedRow[],
  policy: SnapshotRetention,
  now: number,
): string[] {
  const complete = rows
    .filter((r) => r.status === "complete")
    .sort((a, b) => b.createdAt - a.createdAt);
  const keep = new Set<string>();
  if (complete[0]) keep.add(complete[0].id);
  const days = new Set<number>();
  const weeks = new Set<number>();
  const today = dayOf(now);
  const thisWeek = weekOf(now);
  for (const r of complete) {
    if (r.createdAt > now - policy.recentHours * HOUR_MS) keep.add(r.id);
    if (r.kind !== "scheduled" && r.createdAt > now - MANUAL_KEEP_MS) keep.add(r.id);
    // Newest first: the first row seen of a day or a week is its newest.
    const day = dayOf(r.createdAt);
    if (today - day < policy.daily && !days.has(day)) {
      days.add(day);
      keep.add(r.id);
    }
    const week = weekOf(r.createdAt);
    if (thisWeek - week < policy.weekly && !weeks.has(week)) {
      weeks.add(week);
      keep.add(r.id);
    }
  }
  const expired: string[] = [];
  for (const r of rows) {
    if (r.expiresAt !== null) {
      if (r.expiresAt <= now && r.status !== "pending") expired.push(r.id);
      continue;
    }
    if (r.status === "complete" && !keep.has(r.id)) expired.push(r.id);
    if (r.status === "failed" && r.createdAt <= now - FAILED_KEEP_MS) expired.push(r.id);
  }
  return expired;
}
