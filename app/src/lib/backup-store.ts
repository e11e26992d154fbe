import { createEffect, createMemo, createSignal, on, onCleanup, onMount } from "solid-js";
import type { Backup, BackupStatus } from "../../../edge/contract/backup.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { BackupFeed } from "./live.ts";
import type { Load } from "./load.ts";

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
  const [byId, setById] = createSignal<Record<string, Backup>>({});
  const [state, setState] = createSignal<Load<null>>({ state: "loading" });
  // Frames that arrive while the list is being fetched: applied over its answer.
  let arrived: Backup[] | null = null;
  let generation = 0;

  const merged = (all: Record<string, Backup>, b: Backup) => {
    const current = all[b.id];
    const next = mergeBackup(current, b);
    return next === current ? all : { ...all, [b.id]: next };
  };
  const put = (b: Backup) => setById((all) => merged(all, b));

  const reload = async () => {
    const mine = ++generation;
    arrived = [];
    try {
      const answer = await opts.api("GET /api/employees/:id/backups", {
        params: { id: opts.employeeId },
      });
      if (mine !== generation) return;
      // The answer is the whole list: what it no longer has (retention removed it) goes, and
      // what it has replaces the page's, unless the page already saw that backup end.
      const before = byId();
      let next: Record<string, Backup> = {};
      for (const b of answer.backups) next[b.id] = mergeBackup(before[b.id], b);
      for (const b of arrived ?? []) next = merged(next, b);
      setById(next);
      setState({ state: "ready", value: null });
    } catch (error) {
      if (mine === generation) setState({ state: "error", error });
    } finally {
      if (mine === generation) arrived = null;
    }
  };

  onMount(() => {
    void reload();
    const feed = opts.feed;
    if (!feed) return;
    const stop = feed.listen((frame) => {
      if (frame.employeeId !== opts.employeeId) return;
      arrived?.push(frame.backup);
      put(frame.backup);
    });
    onCleanup(stop);
  });
  if (opts.feed) createEffect(on(opts.feed.reconnects, () => void reload(), { defer: true }));

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
