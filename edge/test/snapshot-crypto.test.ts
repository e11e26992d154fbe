import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../env.ts";
import worker from "../index.ts";
import {
  DEVELOPMENT_MASTER_KEY,
  manifestName,
  newDataKey,
  open,
  openDataKey,
  SnapshotCryptoError,
  seal,
  snapshotKeyring,
} from "../snapshots/snapshot-crypto.ts";
import { accountDataKey } from "../snapshots/snapshot-keys.ts";
import { getSnapshotKey } from "../store/snapshots.ts";
import { errorOf, ORIGIN } from "./helpers.ts";
import { chunkOf, frames, openFor, placedEmployee, pseudoRandom } from "./snapshot-helpers.ts";

// Sealing of snapshot chunks and manifests, and the accounts' data keys under the master key.

const KEY_A = btoa(String.fromCharCode(...pseudoRandom(32, 1)));
const KEY_B = btoa(String.fromCharCode(...pseudoRandom(32, 2)));
const owner = { accountId: "acct-1", employeeId: "emp-1" };
const SHA = "a".repeat(64);

async function dataKey(master = KEY_A) {
  const keyring = await snapshotKeyring({ ENVIRONMENT: "production", SNAPSHOT_MASTER_KEY: master });
  return (await openDataKey(keyring, owner.accountId, await newDataKey(keyring, owner.accountId)))
    .key;
}

async function rejects(run: () => Promise<unknown>, reason: SnapshotCryptoError["reason"]) {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapshotCryptoError);
  expect((err as SnapshotCryptoError).reason).toBe(reason);
}

describe("sealing", () => {
  it("opens what it sealed, with a fresh IV each time", async () => {
    const key = await dataKey();
    const body = pseudoRandom(10_000, 3);
    const one = await seal(key, owner, SHA, body);
    const two = await seal(key, owner, SHA, body);
    expect(one.subarray(1, 13)).not.toEqual(two.subarray(1, 13));
    expect(await open(key, owner, SHA, one)).toEqual(body);
  });

  it("a changed byte, IV or tag, or another name, owner or key does not open", async () => {
    const key = await dataKey();
    const sealed = await seal(key, owner, SHA, pseudoRandom(1_000, 4));
    for (const at of [5, 20, sealed.byteLength - 1]) {
      const bad = sealed.slice();
      bad[at] = (bad[at] as number) ^ 1;
      await rejects(() => open(key, owner, SHA, bad), "rejected");
    }
    await rejects(() => open(key, owner, "b".repeat(64), sealed), "rejected");
    // A chunk moved under another employee or account.
    await rejects(() => open(key, { ...owner, employeeId: "emp-2" }, SHA, sealed), "rejected");
    await rejects(() => open(key, { ...owner, accountId: "acct-2" }, SHA, sealed), "rejected");
    await rejects(() => open(key, owner, manifestName(SHA), sealed), "rejected");
    const otherKey = await dataKey();
    await rejects(() => open(otherKey, owner, SHA, sealed), "rejected");
    await rejects(() => open(key, owner, SHA, sealed.subarray(0, 10)), "malformed");
  });
});

describe("data keys", () => {
  it("production without SNAPSHOT_MASTER_KEY takes no snapshot; development has a default", async () => {
    await rejects(() => snapshotKeyring({ ENVIRONMENT: "production" }), "not_configured");
    const dev = await snapshotKeyring({ ENVIRONMENT: "development" });
    const explicit = await snapshotKeyring({
      ENVIRONMENT: "production",
      SNAPSHOT_MASTER_KEY: DEVELOPMENT_MASTER_KEY,
    });
    expect(dev.current.id).toBe(explicit.current.id);
    expect(() => parseConfig({ ...env, SNAPSHOT_MASTER_KEY: "short" })).toThrow(
      /SNAPSHOT_MASTER_KEY/,
    );
  });

  it("an account gets one key, stored wrapped; a rotation wraps it again and old seals still open", async () => {
    const p = await placedEmployee();
    const asA = { ...env, SNAPSHOT_MASTER_KEY: KEY_A };
    const key = await accountDataKey(asA, p.accountId, { create: true, now: 1 });
    const row = await getSnapshotKey(env.DB, p.accountId);
    expect(row?.wrappedKey).toBeTruthy();
    const sealed = await seal(
      key,
      { accountId: p.accountId, employeeId: p.employeeId },
      SHA,
      pseudoRandom(100, 5),
    );

    // B becomes current, A stays as previous: the key opens and is stored under B.
    const rotated = { ...asA, SNAPSHOT_MASTER_KEY: KEY_B, SNAPSHOT_MASTER_KEY_PREVIOUS: KEY_A };
    const again = await accountDataKey(rotated, p.accountId, { create: true, now: 2 });
    const after = await getSnapshotKey(env.DB, p.accountId);
    expect(after?.keyId).not.toBe(row?.keyId);
    expect(after?.keyId).toBe(
      (await snapshotKeyring({ ENVIRONMENT: "production", SNAPSHOT_MASTER_KEY: KEY_B })).current.id,
    );
    expect(
      await open(again, { accountId: p.accountId, employeeId: p.employeeId }, SHA, sealed),
    ).toEqual(pseudoRandom(100, 5));

    // A alone no longer opens it; B alone does.
    await rejects(() => accountDataKey(asA, p.accountId, { create: true, now: 3 }), "unknown_key");
    await accountDataKey({ ...asA, SNAPSHOT_MASTER_KEY: KEY_B }, p.accountId, {
      create: false,
      now: 3,
    });

    // A key row moved to another account does not open there.
    const q = await placedEmployee();
    await env.DB.prepare(
      "INSERT INTO snapshot_keys (account_id, key_id, wrapped_key, created_at) VALUES (?, ?, ?, 0)",
    )
      .bind(q.accountId, after?.keyId, after?.wrappedKey)
      .run();
    await rejects(
      () =>
        accountDataKey({ ...asA, SNAPSHOT_MASTER_KEY: KEY_B }, q.accountId, {
          create: false,
          now: 4,
        }),
      "rejected",
    );

    // A deleted key row: nothing opens (crypto-shredding).
    await env.DB.prepare("DELETE FROM snapshot_keys WHERE account_id = ?").bind(p.accountId).run();
    await rejects(
      () => accountDataKey(rotated, p.accountId, { create: false, now: 5 }),
      "key_gone",
    );
  });
});

describe("production without the master key", () => {
  it("refuses uploads with 503 snapshots_not_configured, naming the secret", async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const body = await frames([await chunkOf(pseudoRandom(1_000, 9))]);
    const ctx = {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext;
    const res = await worker.fetch(
      new Request(`${ORIGIN}/agent/snapshots/${id}/packs`, {
        method: "POST",
        body,
        headers: {
          authorization: `Bearer ${p.node.token}`,
          "content-type": "application/octet-stream",
        },
      }),
      {
        ...env,
        ENVIRONMENT: "production",
        RESEND_API_KEY: "re_test",
        STRIPE_API_URL: undefined,
        SNAPSHOT_MASTER_KEY: undefined,
      },
      ctx,
    );
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.code).toBe("snapshots_not_configured");
    expect(error.message).toMatch(/SNAPSHOT_MASTER_KEY/);
  });
});
