import type { Env } from "../env.ts";
import {
  discardSnapshot as discardInStore,
  verifySnapshot as verifyInStore,
} from "../snapshots/snapshot-service.ts";
import { failSnapshot } from "../store/snapshots.ts";

// What the lifecycle asks of the snapshot catalogue: the snapshot service's verbs
// (edge/snapshots/snapshot-service.ts) under the names the lifecycle calls them by.

export async function discardSnapshot(env: Env, id: string): Promise<void> {
  await discardInStore(env, id);
}

/** Before a restore is accepted: the manifest opens with its digest and every chunk is stored. */
export async function verifySnapshot(
  env: Env,
  id: string,
): Promise<{ ok: true } | { ok: false; code: "not_found" | "snapshot_corrupt"; message: string }> {
  return verifyInStore(env, id);
}

/** A snapshot.create answered ok: the manifest PUT completed the row; one still pending never will. */
export async function settleAnsweredSnapshot(
  env: Pick<Env, "DB">,
  id: string,
  now: number,
): Promise<void> {
  await failSnapshot(env.DB, id, "incomplete: the server finished without sealing it", now);
}
