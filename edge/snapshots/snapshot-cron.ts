import { snapshotRetention } from "../billing/plans.ts";
import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";
import { deleteR2Keys, deleteR2Prefix } from "../store/r2-objects.ts";
import {
  deletedSnapshots,
  deleteSnapshotKey,
  deleteSnapshotRows,
  employeesWithOldSnapshots,
  failSnapshot,
  markSnapshotsDeleted,
  orphanedSnapshotOwners,
  snapshotIdsOfEmployee,
  snapshotOwnersOfAccount,
  snapshotsOfEmployee,
  stalePendingSnapshots,
} from "../store/snapshots.ts";
import { expiredSnapshots } from "./snapshot-retention.ts";
import {
  accountSnapshotPrefix,
  manifestKey,
  snapshotPrefix,
  snapshotStore,
} from "./snapshot-store-stub.ts";

// The snapshot store's step of the 5-minute cron (edge/services/reconcile.ts): pending
// snapshots past SNAPSHOT_TIMEOUT_MS fail; retention (snapshot-retention.ts) deletes what the
// plan no longer keeps, and their packs lose a reference; the touched employees' unreferenced
// packs are collected; a fired employee's snapshots go FIRED_SNAPSHOT_GRACE_MS after its last.
// Each run does a bounded share; the rest waits for the next run.

const HOUR_MS = 3_600_000;
/** A fired employee's snapshots are kept this long after the newest (in case of a mistake). */
export const FIRED_SNAPSHOT_GRACE_MS = 7 * 24 * HOUR_MS;
/** Employees retention looks at per run (picked at random among those with old snapshots). */
export const RETENTION_BATCH = 25;
const TIMEOUT_BATCH = 100;
const FIRED_BATCH = 10;
// No plan keeps fewer recent hours: an employee with only younger snapshots has nothing to prune.
const MIN_RECENT_MS = 24 * HOUR_MS;

export interface SnapshotCronResult {
  timedOut: number;
  deleted: number;
  collected: number;
  firedPurged: number;
}

export async function runSnapshotRetention(
  env: Env,
  log: Logger,
  now: number,
): Promise<SnapshotCronResult> {
  const result: SnapshotCronResult = { timedOut: 0, deleted: 0, collected: 0, firedPurged: 0 };
  const touched = new Map<string, string>();

  for (const row of await stalePendingSnapshots(env.DB, now - SNAPSHOT_TIMEOUT_MS, TIMEOUT_BATCH)) {
    await failSnapshot(env.DB, row.id, "The snapshot did not finish in time.", now);
    touched.set(row.employeeId, row.accountId);
    result.timedOut++;
  }

  // Rows a run marked deleted but did not get to release (it stopped midway): finish them.
  const leftOver = await deletedSnapshots(env.DB, 100);
  for (const row of leftOver) touched.set(row.employeeId, row.accountId);
  result.deleted += await dropSnapshots(env, leftOver);

  for (const owner of await employeesWithOldSnapshots(
    env.DB,
    now - MIN_RECENT_MS,
    RETENTION_BATCH,
  )) {
    try {
      const rows = await snapshotsOfEmployee(env.DB, owner.employeeId);
      const expired = new Set(expiredSnapshots(rows, snapshotRetention[owner.plan], now));
      if (expired.size === 0) continue;
      touched.set(owner.employeeId, owner.accountId);
      result.deleted += await dropSnapshots(
        env,
        rows.filter((r) => expired.has(r.id)),
      );
    } catch (err) {
      log.error("snapshot retention failed for an employee", {
        employeeId: owner.employeeId,
        ...errorFields(err),
      });
    }
  }

  for (const employeeId of touched.keys()) {
    try {
      result.collected += await snapshotStore(env, employeeId).gc(now);
    } catch (err) {
      log.error("snapshot pack collection failed", { employeeId, ...errorFields(err) });
    }
  }

  for (const gone of await orphanedSnapshotOwners(
    env.DB,
    now - FIRED_SNAPSHOT_GRACE_MS,
    FIRED_BATCH,
  )) {
    await purgeEmployeeSnapshots(env, gone.accountId, gone.employeeId);
    result.firedPurged++;
  }
  if (result.timedOut || result.deleted || result.collected || result.firedPurged)
    log.info("snapshot retention", { ...result });
  return result;
}

// Marked deleted first (no longer a restore point), then each releases its packs and loses its
// manifest, then the rows go: a run that stops midway leaves rows marked deleted, finished above.
async function dropSnapshots(
  env: Env,
  rows: readonly { id: string; accountId: string; employeeId: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  await markSnapshotsDeleted(
    env.DB,
    rows.map((r) => r.id),
  );
  for (const r of rows) await snapshotStore(env, r.employeeId).release(r.id);
  await deleteR2Keys(
    env.SNAPSHOTS,
    rows.map((r) => manifestKey(r.accountId, r.employeeId, r.id)),
  );
  await deleteSnapshotRows(
    env.DB,
    rows.map((r) => r.id),
  );
  return rows.length;
}

/** Everything of one employee's snapshots: objects, index, rows. */
export async function purgeEmployeeSnapshots(
  env: Env,
  accountId: string,
  employeeId: string,
): Promise<void> {
  await deleteR2Prefix(env.SNAPSHOTS, snapshotPrefix(accountId, employeeId));
  await snapshotStore(env, employeeId).wipe();
  await deleteSnapshotRows(env.DB, await snapshotIdsOfEmployee(env.DB, employeeId));
}

/**
 * An account's deletion (edge/services/account-deletion.ts): its data key goes first (nothing
 * sealed under it opens again), then every object under its prefix and each employee's index.
 * The rows go with the account's.
 */
export async function purgeAccountSnapshots(env: Env, accountId: string): Promise<number> {
  await deleteSnapshotKey(env.DB, accountId);
  const objects = await deleteR2Prefix(env.SNAPSHOTS, accountSnapshotPrefix(accountId));
  for (const employeeId of await snapshotOwnersOfAccount(env.DB, accountId))
    await snapshotStore(env, employeeId).wipe();
  return objects;
}
