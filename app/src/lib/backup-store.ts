import { createMemo } from "solid-js";
import type { Backup, BackupStatus } from "../../../edge/contract/backup.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { BackupFeed } from "./live.ts";
import { createLiveCollection } from "./live-collection.ts";

// An employee's restore points for the Backups tab: fetched once, then kept current by the live
// socket's `backup` frames (a new backup, its progress, its end) without fetching again. A frame
// carries the backup's whole state, so applying one is replacing, except that a backup never goes
// back: a pending state that arrives after the ended one (the list's answer can be older than a
// frame that overtook it) is dropped. After the socket comes back, frames may have been missed,
// so the list is fetched again.
// Rows are drawn by id, each reading its backup through `get`: a frame then changes one row's
// content, never which rows there are, so a focused Restore button keeps its focus.

const STAGE: Record<BackupStatus, number> = { pending: 0, complete: 1, failed: 1 };

/** Which of two states of one backup to keep: the later one, unless it goes back to pending. */
export function mergeBackup(current: Backup | undefined, next: Backup): Backup {
  if (!current) return next;
  return STAGE[next.status] < STAGE[current.status] ? current : next;
}

/** Newest first, as the API lists them. */
export const newestFirst = (a: Backup, b: Backup): number =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;

export type BackupStore = ReturnType<typeof createBackupStore>;

export function createBackupStore(opts: { api: ApiClient; employeeId: string; feed?: BackupFeed }) {
  const feed = opts.feed;
  const backups = createLiveCollection<Backup>({
    key: (b) => b.id,
    merge: mergeBackup,
    fetch: async () =>
      (await opts.api("GET /api/employees/:id/backups", { params: { id: opts.employeeId } }))
        .backups,
    ...(feed
      ? {
          listen: (put) =>
            feed.listen((frame) => {
              if (frame.employeeId === opts.employeeId) put(frame.backup);
            }),
          reconnects: feed.reconnects,
        }
      : {}),
  });
  const { byKey: byId, put, state, reload } = backups;

  const list = createMemo(() => Object.values(byId()).sort(newestFirst));
  return {
    /** Every backup, newest first. */
    list,
    /** One backup's latest state. */
    get: (id: string): Backup | undefined => byId()[id],
    /** Loading, failed (with the error) or ready. */
    state,
    reload,
    /** A backup the API answered with (Back up now): shown at once, frames then move it on. */
    add: put,
    /** The one being taken now, if any. */
    pending: createMemo(() => list().find((b) => b.status === "pending")),
  };
}
