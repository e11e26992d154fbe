import { describe, expect, it } from "vitest";
import { snapshotRetention } from "../../billing/plans.ts";
import {
  expiredSnapshots,
  FAILED_KEEP_MS,
  MANUAL_KEEP_MS,
  type RetainedRow,
} from "../../snapshots/snapshot-retention.ts";

// Grandfather-father-son retention on a fixed clock: a Wednesday noon, UTC.
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let n = 0;
const row = (ageMs: number, over: Partial<RetainedRow> = {}): RetainedRow => ({
  id: `s${++n}`,
  kind: "scheduled",
  status: "complete",
  createdAt: NOW - ageMs,
  expiresAt: null,
  ...over,
});

// Every 15 minutes for `days` days: what an employee busy all the time leaves behind.
function quarterHourly(days: number): RetainedRow[] {
  const rows: RetainedRow[] = [];
  for (let age = 0; age < days * DAY; age += 15 * 60_000) rows.push(row(age));
  return rows;
}

describe("snapshot retention", () => {
  it("every plan keeps at least 7 daily and 4 weekly restore points", () => {
    for (const policy of Object.values(snapshotRetention)) {
      expect(policy.daily).toBeGreaterThanOrEqual(7);
      expect(policy.weekly).toBeGreaterThanOrEqual(4);
      expect(policy.recentHours).toBeGreaterThanOrEqual(24);
    }
  });

  it("keeps the recent hours, one a day for the daily days and one a week for the weekly weeks", () => {
    const rows = quarterHourly(60);
    const policy = snapshotRetention.trial;
    const expired = new Set(expiredSnapshots(rows, policy, NOW));
    const kept = rows.filter((r) => !expired.has(r.id));
    // 24 h of quarter hours, all of them.
    const recent = kept.filter((r) => r.createdAt > NOW - 24 * HOUR);
    expect(recent.length).toBe(24 * 4);
    // Before that: the newest of each of the 7 days (today's is among the recent ones) and of
    // each of the 4 weeks; some coincide.
    const older = kept.filter((r) => r.createdAt <= NOW - 24 * HOUR);
    const days = new Set(older.map((r) => Math.floor(r.createdAt / DAY)));
    expect(days.size).toBe(older.length);
    for (const r of older)
      expect(new Date(r.createdAt).getUTCHours() * 60 + new Date(r.createdAt).getUTCMinutes()).toBe(
        23 * 60 + 45,
      );
    const dailyCut = Math.floor(NOW / DAY) - 6;
    const beyondDaily = older.filter((r) => Math.floor(r.createdAt / DAY) < dailyCut);
    // The weeks before: Sundays (the end of an ISO week), at most 4 weeks back.
    for (const r of beyondDaily) expect(new Date(r.createdAt).getUTCDay()).toBe(0);
    expect(beyondDaily.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...kept.map((r) => r.createdAt))).toBeGreaterThan(NOW - 5 * 7 * DAY);
    // Nothing else.
    expect(kept.length).toBe(recent.length + older.length);
  });

  it("a bigger plan keeps more", () => {
    const rows = quarterHourly(120);
    const trial = rows.length - expiredSnapshots(rows, snapshotRetention.trial, NOW).length;
    const business = rows.length - expiredSnapshots(rows, snapshotRetention.business, NOW).length;
    expect(business).toBeGreaterThan(trial);
  });

  it("keeps a manual snapshot 7 days, then treats it like the others", () => {
    const scheduled = row(3 * DAY + HOUR);
    const manual = row(3 * DAY + 2 * HOUR, { kind: "manual" });
    const oldManual = row(MANUAL_KEEP_MS + 2 * DAY + HOUR, { kind: "pre_op" });
    const oldManualSameDayNewer = row(MANUAL_KEEP_MS + 2 * DAY, { kind: "scheduled" });
    const expired = expiredSnapshots(
      [row(0), scheduled, manual, oldManual, oldManualSameDayNewer],
      { recentHours: 24, daily: 30, weekly: 4 },
      NOW,
    );
    expect(expired).toEqual([oldManual.id]);
  });

  it("always keeps the newest complete snapshot, however old", () => {
    const lonely = row(400 * DAY);
    expect(expiredSnapshots([lonely], snapshotRetention.trial, NOW)).toEqual([]);
    const older = row(500 * DAY);
    expect(expiredSnapshots([lonely, older], snapshotRetention.trial, NOW)).toEqual([older.id]);
  });

  it("drops failed ones after a while, never pending ones, and honours expiresAt", () => {
    const failedOld = row(FAILED_KEEP_MS + HOUR, { status: "failed" });
    const failedNew = row(HOUR, { status: "failed" });
    const pending = row(40 * DAY, { status: "pending" });
    const pinned = row(90 * DAY, { expiresAt: NOW + DAY });
    const due = row(HOUR, { expiresAt: NOW - 1 });
    const expired = expiredSnapshots(
      [row(0), failedOld, failedNew, pending, pinned, due],
      snapshotRetention.trial,
      NOW,
    );
    expect(expired.sort()).toEqual([failedOld.id, due.id].sort());
  });
});
