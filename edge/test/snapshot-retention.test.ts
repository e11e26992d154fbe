import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ChunkFrameDecoder } from "../protocol/snapshot-wire.ts";
import { FIRED_SNAPSHOT_GRACE_MS } from "../snapshots/snapshot-cron.ts";
import { discardSnapshot, verifySnapshot } from "../snapshots/snapshot-service.ts";
import { snapshotStore } from "../snapshots/snapshot-store-stub.ts";
import { runCronAt } from "./lifecycle-helpers.ts";
import {
  type Chunk,
  chunkOf,
  fetchChunks,
  frames,
  have,
  manifestOf,
  openFor,
  type Placed,
  placedEmployee,
  postPack,
  pseudoRandom,
  putManifest,
  snapshotRow,
} from "./snapshot-helpers.ts";

// The snapshot store's part of the cron, with the cron's clock moved forward: timeouts,
// retention per plan with its packs collected, fired employees' snapshots after the grace, and
// an account's deletion. Plus the lifecycle's verbs: verify and discard.

const DAY = 86_400_000;
const MIN = 60_000;

async function complete(p: Placed, chunks: Chunk[], ageMs = 0): Promise<string> {
  const id = await openFor(p);
  const res = await have(
    p.node.token,
    id,
    chunks.map((c) => c.sha),
  );
  const { missing } = (await res.json()) as { missing: string[] };
  const send = chunks.filter((c) => missing.includes(c.sha));
  if (send.length) expect((await postPack(p.node.token, id, await frames(send))).status).toBe(200);
  expect(
    (await putManifest(p.node.token, id, manifestOf(p, id, [{ path: "workspace/f", chunks }])))
      .status,
  ).toBe(200);
  if (ageMs)
    await env.DB.prepare("UPDATE snapshots SET created_at = ? WHERE id = ?")
      .bind(Date.now() - ageMs, id)
      .run();
  return id;
}

const objects = async (prefix: string) =>
  (await env.SNAPSHOTS.list({ prefix })).objects.map((o) => o.key);

describe("snapshot cron", () => {
  it("fails a pending snapshot past its timeout and collects what it uploaded", async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    expect(
      (await postPack(p.node.token, id, await frames([await chunkOf(pseudoRandom(9_000, 70))])))
        .status,
    ).toBe(200);
    const packs = `snapshots/${p.accountId}/${p.employeeId}/packs/`;
    expect((await objects(packs)).length).toBe(1);
    await runCronAt(Date.now() + 10 * MIN);
    expect((await snapshotRow(id))?.status).toBe("pending");
    await runCronAt(Date.now() + 16 * MIN);
    const row = await snapshotRow(id);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/in time/);
    expect(await objects(packs)).toEqual([]);
    expect((await snapshotStore(env, p.employeeId).stats()).packs).toBe(0);
  });

  it("deletes what the plan no longer keeps; packs still referenced stay, the others go", async () => {
    const p = await placedEmployee();
    const [w, x, y, z] = await Promise.all(
      [71, 72, 73, 74].map((s) => chunkOf(pseudoRandom(20_000, s))),
    );
    const a = await complete(p, [w as Chunk], 60 * DAY);
    const b = await complete(p, [x as Chunk, y as Chunk], 59 * DAY);
    const c = await complete(p, [y as Chunk, z as Chunk], 1 * 60 * MIN);
    const prefix = `snapshots/${p.accountId}/${p.employeeId}/`;
    expect((await objects(`${prefix}packs/`)).length).toBe(3);

    await runCronAt(Date.now() + 16 * MIN);
    expect(await snapshotRow(a)).toBeNull();
    expect(await snapshotRow(b)).toBeNull();
    expect((await snapshotRow(c))?.status).toBe("complete");
    expect(await objects(`${prefix}manifests/`)).toEqual([`${prefix}manifests/${c}`]);
    // a's pack went; b's stays for y, which c references.
    expect((await objects(`${prefix}packs/`)).length).toBe(2);
    expect(await verifySnapshot(env, c)).toEqual({ ok: true });
    const res = await fetchChunks(p.node.token, c, [(y as Chunk).sha, (z as Chunk).sha]);
    const decoder = new ChunkFrameDecoder();
    const got = [];
    for await (const piece of res.body as ReadableStream<Uint8Array>)
      got.push(...decoder.push(piece));
    expect(got.map((f) => f.body)).toEqual([(y as Chunk).plain, (z as Chunk).plain]);
    // w went with its pack: a new snapshot would send it again. x stays while its pack does.
    const next = await openFor(p);
    const asked = await have(p.node.token, next, [(w as Chunk).sha, (x as Chunk).sha]);
    expect(await asked.json()).toEqual({ missing: [(w as Chunk).sha] });
  });

  it("deletes a fired employee's snapshots after the grace, not before", async () => {
    const recent = await placedEmployee();
    const old = await placedEmployee();
    await complete(recent, [await chunkOf(pseudoRandom(5_000, 80))], DAY);
    const oldId = await complete(
      old,
      [await chunkOf(pseudoRandom(5_000, 81))],
      FIRED_SNAPSHOT_GRACE_MS + DAY,
    );
    for (const p of [recent, old])
      await env.DB.prepare("DELETE FROM employees WHERE id = ?").bind(p.employeeId).run();
    await runCronAt(Date.now());
    expect(await snapshotRow(oldId)).toBeNull();
    expect(await objects(`snapshots/${old.accountId}/`)).toEqual([]);
    expect((await snapshotStore(env, old.employeeId).stats()).chunks).toBe(0);
    expect((await objects(`snapshots/${recent.accountId}/`)).length).toBe(2);
  });

  it("an account's deletion takes its key, its objects and its indexes", async () => {
    const p = await placedEmployee();
    await complete(p, [await chunkOf(pseudoRandom(5_000, 90))]);
    expect((await objects(`snapshots/${p.accountId}/`)).length).toBe(2);
    await env.DB.prepare("UPDATE accounts SET deletion_requested_at = ? WHERE id = ?")
      .bind(Date.now() - 9 * DAY, p.accountId)
      .run();
    await runCronAt(Date.now());
    expect(
      await env.DB.prepare("SELECT * FROM accounts WHERE id = ?").bind(p.accountId).first(),
    ).toBeNull();
    expect(
      await env.DB.prepare("SELECT * FROM snapshot_keys WHERE account_id = ?")
        .bind(p.accountId)
        .first(),
    ).toBeNull();
    expect(
      await env.DB.prepare("SELECT * FROM snapshots WHERE account_id = ?")
        .bind(p.accountId)
        .first(),
    ).toBeNull();
    expect(await objects(`snapshots/${p.accountId}/`)).toEqual([]);
    expect((await snapshotStore(env, p.employeeId).stats()).chunks).toBe(0);
  });
});

describe("pack collection", () => {
  it("keeps an unreferenced pack an upload in progress claimed, until its claim is old", async () => {
    const p = await placedEmployee();
    const x = await chunkOf(pseudoRandom(8_000, 98));
    const t0 = Date.now();
    const first = await complete(p, [x]);
    const store = snapshotStore(env, p.employeeId);
    expect(await store.release(first)).toBe(1);
    // Ten minutes later a new snapshot finds x there ("have") and so claims its pack.
    expect(await store.claim([x.sha], t0 + 10 * MIN)).toMatchObject({ missing: [] });
    // Unclaimed, the pack would go at t0 + 16 min; claimed at t0 + 10, it stays until t0 + 25.
    expect(await store.gc(t0 + 16 * MIN)).toBe(0);
    expect(await store.gc(t0 + 24 * MIN)).toBe(0);
    // The new snapshot completes: referenced again, no collection takes it, however late.
    const next = await openFor(p);
    expect(
      (
        await putManifest(
          p.node.token,
          next,
          manifestOf(p, next, [{ path: "workspace/f", chunks: [x] }]),
        )
      ).status,
    ).toBe(200);
    expect(await store.gc(t0 + 600 * MIN)).toBe(0);
    expect(await verifySnapshot(env, next)).toEqual({ ok: true });
    // Released again: collected once its last claim is older than the timeout.
    expect(await store.release(next)).toBe(1);
    expect(await store.gc(t0 + 600 * MIN)).toBe(1);
    expect(await objects(`snapshots/${p.accountId}/${p.employeeId}/packs/`)).toEqual([]);
  });
});

describe("verify and discard", () => {
  it("verify refuses a snapshot with a missing chunk or pack, and marks it failed", async () => {
    const p = await placedEmployee();
    const id = await complete(p, [await chunkOf(pseudoRandom(5_000, 95))]);
    expect(await verifySnapshot(env, id)).toEqual({ ok: true });
    expect((await verifySnapshot(env, crypto.randomUUID())).ok).toBe(false);
    const manifest = `snapshots/${p.accountId}/${p.employeeId}/manifests/${id}`;
    const sealed = await (await env.SNAPSHOTS.get(manifest))?.arrayBuffer();
    const flipped = new Uint8Array(sealed as ArrayBuffer);
    flipped[40] = (flipped[40] as number) ^ 1;
    await env.SNAPSHOTS.put(manifest, flipped);
    expect(await verifySnapshot(env, id)).toMatchObject({ ok: false, code: "snapshot_corrupt" });
    expect((await snapshotRow(id))?.status).toBe("failed");

    const q = await placedEmployee();
    const lost = await complete(q, [await chunkOf(pseudoRandom(5_000, 97))]);
    expect(await verifySnapshot(env, lost)).toEqual({ ok: true });
    const [pack] = await objects(`snapshots/${q.accountId}/${q.employeeId}/packs/`);
    await env.SNAPSHOTS.delete(pack as string);
    expect(await verifySnapshot(env, lost)).toMatchObject({ ok: false, code: "snapshot_corrupt" });
    expect((await snapshotRow(lost))?.error).toMatch(/pack/);
  });

  it("discard forgets a pending snapshot and refuses a complete one", async () => {
    const p = await placedEmployee();
    const done = await complete(p, [await chunkOf(pseudoRandom(5_000, 96))]);
    const skipped = await openFor(p);
    expect(await discardSnapshot(env, skipped)).toBe(true);
    expect(await snapshotRow(skipped)).toBeNull();
    expect(await discardSnapshot(env, done)).toBe(false);
    expect((await snapshotRow(done))?.status).toBe("complete");
  });
});
