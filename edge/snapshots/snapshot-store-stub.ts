import type { Env } from "../env.ts";

// The one way to an employee's SnapshotStoreDO (beside objects/stubs.ts, which reaches the
// lifecycle's objects): named by the employee's id.
export function snapshotStore(env: Pick<Env, "SNAPSHOT_STORE">, employeeId: string) {
  return env.SNAPSHOT_STORE.get(env.SNAPSHOT_STORE.idFromName(employeeId));
}

/** Where an employee's snapshots live in the SNAPSHOTS bucket. */
export const snapshotPrefix = (accountId: string, employeeId: string) =>
  `snapshots/${accountId}/${employeeId}/`;
export const accountSnapshotPrefix = (accountId: string) => `snapshots/${accountId}/`;
export const packKey = (accountId: string, employeeId: string, packId: string) =>
  `${snapshotPrefix(accountId, employeeId)}packs/${packId}`;
export const manifestKey = (accountId: string, employeeId: string, snapshotId: string) =>
  `${snapshotPrefix(accountId, employeeId)}manifests/${snapshotId}`;
