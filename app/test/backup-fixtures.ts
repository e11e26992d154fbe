import type { Backup } from "../../edge/contract/backup.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { BackupFeed, BackupFrame } from "../src/lib/live.ts";
import { employee as chatEmployee } from "./chat-fixtures.ts";
import { fakeFeed as fakeLiveFeed } from "./fake-feed.ts";

// What the Backups tests share: an employee, restore points in the API's shape, and a live socket
// whose backup frames the test sends by hand.

/** "Now" in these tests: the backups below are hours and a day before it. */
export const NOW = Date.parse("2026-12-02T15:00:00Z");

// The chat's Ada, made a month before these backups.
export const employee: Employee = {
  ...chatEmployee,
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
};

export const backup = (over: Partial<Backup> = {}): Backup => ({
  id: "b1",
  createdAt: "2026-12-02T13:00:00Z",
  completedAt: "2026-12-02T13:00:40Z",
  sizeBytes: 5 * 1024 * 1024,
  storedBytes: 200 * 1024,
  reason: "scheduled",
  status: "complete",
  error: null,
  openclawVersion: "2026.9.6",
  progress: null,
  ...over,
});

/** A scheduled backup, an hour apart, going back from 14:30 on the 2nd. */
export const hourly = (n: number): Backup[] =>
  Array.from({ length: n }, (_, i) =>
    backup({
      id: `h${i}`,
      createdAt: new Date(Date.parse("2026-12-02T14:30:00Z") - i * 3_600_000).toISOString(),
    }),
  );

export function fakeFeed() {
  const { feed, emit, reconnect } = fakeLiveFeed<BackupFrame>();
  const backups: BackupFeed = feed;
  return {
    feed: backups,
    send: (b: Backup, employeeId = employee.id) => emit({ type: "backup", employeeId, backup: b }),
    reconnect,
  };
}
