import type { Env } from "../env.ts";
import {
  discardPendingSnapshot,
  failSnapshot,
  getSnapshot,
  snapshotRowSealed,
} from "../store/snapshots.ts";

// What the lifecycle asks of the snapshot catalogue. discardSnapshot and verifySnapshot are the
// snapshot service's (edge/snapshots/snapshot-service.ts, snap-store); until it is on main they
// are the catalogue-only versions in edge/store/snapshots.ts, behind these same names.

export async function discardSnapshot(env: Pick<Env, "DB">, id: string): Promise<void> {
  await discardPendingSnapshot(env.DB, id);
}

export async function verifySnapshot(
  env: Pick<Env, "DB">,
  id: string,
): Promise<{ ok: true } | { ok: false; code: "snapshot_corrupt"; message: string }> {
  const row = await getSnapshot(env.DB, id);
  if (row && snapshotRowSealed(row)) return { ok: true };
  return {
    ok: false,
    code: "snapshot_corrupt",
    message: "This backup failed its integrity check.",
  };
}

/** A snapshot.create answered ok: the manifest PUT completed the row; one still pending never will. */
export async function settleAnsweredSnapshot(
  env: Pick<Env, "DB">,
  id: string,
  now: number,
): Promise<void> {
  await failSnapshot(env.DB, id, "incomplete: the server finished without sealing it", now);
}
