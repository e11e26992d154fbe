import { type Env, parseConfig } from "../env.ts";
import { getSnapshotKey, insertSnapshotKey, rewrapSnapshotKey } from "../store/snapshots.ts";
import {
  newDataKey,
  openDataKey,
  SnapshotCryptoError,
  snapshotKeyring,
} from "./snapshot-crypto.ts";

// An account's snapshot data key, opened for one request: made on its first snapshot, wrapped
// again under the current master key when it was wrapped under a previous one. Read from D1 each
// time (one row), so a deleted key row stops every read at once.
export async function accountDataKey(
  env: Env,
  accountId: string,
  opts: { create: boolean; now: number },
): Promise<CryptoKey> {
  const keyring = await snapshotKeyring(parseConfig(env));
  let row = await getSnapshotKey(env.DB, accountId);
  if (!row && opts.create) {
    const made = await newDataKey(keyring, accountId);
    await insertSnapshotKey(
      env.DB,
      accountId,
      { keyId: made.keyId, wrappedKey: made.wrapped },
      opts.now,
    );
    // Whichever request stored its key first, every one uses that one.
    row = await getSnapshotKey(env.DB, accountId);
  }
  if (!row) throw new SnapshotCryptoError("key_gone", "the account's snapshot key is gone");
  const opened = await openDataKey(keyring, accountId, {
    keyId: row.keyId,
    wrapped: row.wrappedKey,
  });
  if (opened.rewrapped)
    await rewrapSnapshotKey(env.DB, accountId, row, {
      keyId: opened.rewrapped.keyId,
      wrappedKey: opened.rewrapped.wrapped,
    });
  return opened.key;
}
