import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ChunkFrameDecoder, encodeFrameHeader, FLAG_RAW } from "../protocol/snapshot-wire.ts";
import { snapshotStore } from "../snapshots/snapshot-store-stub.ts";
import { createNode } from "./fake-agent.ts";
import { errorOf } from "./helpers.ts";
import {
  agentCall,
  type Chunk,
  chunkOf,
  fetchChunks,
  frames,
  have,
  join,
  manifestOf,
  openFor,
  type Placed,
  placedEmployee,
  postPack,
  pseudoRandom,
  putManifest,
  sha256,
  snapshotRow,
} from "./snapshot-helpers.ts";

// The snapshot store's data plane through the agent's routes, against the real D1, R2 and the
// SnapshotStoreDO: upload, complete, download; dedup; tamper detection; hostile frames; tokens.

async function upload(p: Placed, id: string, chunks: Chunk[], deflated = false) {
  const res = await postPack(p.node.token, id, await frames(chunks, { deflated }));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { stored: number; bytes: number };
}

async function download(p: Placed, id: string, shas: string[]) {
  const res = await fetchChunks(p.node.token, id, shas);
  expect(res.status).toBe(200);
  const decoder = new ChunkFrameDecoder();
  const out = [];
  for await (const piece of res.body as ReadableStream<Uint8Array>)
    out.push(...decoder.push(piece));
  decoder.end();
  return out;
}

async function snapshotOf(p: Placed, files: { path: string; chunks: Chunk[] }[]) {
  const id = await openFor(p);
  const all = files.flatMap((f) => f.chunks);
  const asked = await have(
    p.node.token,
    id,
    all.map((c) => c.sha),
  );
  expect(asked.status).toBe(200);
  const { missing } = (await asked.json()) as { missing: string[] };
  const toSend = all.filter((c) => missing.includes(c.sha));
  const sent = toSend.length ? await upload(p, id, toSend) : { stored: 0, bytes: 0 };
  const manifest = manifestOf(p, id, files);
  const res = await putManifest(p.node.token, id, manifest);
  expect(res.status, await res.clone().text()).toBe(200);
  return { id, missing, sent, manifest };
}

describe("snapshot upload and download", () => {
  it("a snapshot goes up, completes with its sizes and comes back byte for byte", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(300_000, 1));
    const b = await chunkOf(
      new TextEncoder().encode("memory: the customer likes tea\n".repeat(2000)),
    );
    const c = await chunkOf(pseudoRandom(1_000, 3));
    const id = await openFor(p);
    const first = await upload(p, id, [a, c]);
    // The compressible one goes deflated, as the agent sends it.
    const second = await upload(p, id, [b], true);
    expect(first.stored + second.stored).toBe(3);
    const manifest = manifestOf(p, id, [
      { path: "workspace/big.bin", chunks: [a, c] },
      { path: "workspace/memory.md", chunks: [b] },
    ]);
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const put = await putManifest(p.node.token, id, manifest);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ manifestSha256: await sha256(bytes) });

    const row = await snapshotRow(id);
    expect(row).toMatchObject({
      status: "complete",
      logical_bytes: 301_000 + b.plain.byteLength,
      file_count: 2,
      manifest_sha256: await sha256(bytes),
      openclaw_version: "2026.9.6",
      agent_version: "test-1",
      image: "instantworker/employee:test",
    });
    expect(row?.stored_bytes).toBe(first.bytes + second.bytes);
    const employee = await env.DB.prepare("SELECT last_snapshot_at FROM employees WHERE id = ?")
      .bind(p.employeeId)
      .first<{ last_snapshot_at: number | null }>();
    expect(employee?.last_snapshot_at).not.toBeNull();

    const got = await agentCall(p.node.token, `${id}/manifest`, { method: "GET" });
    expect(got.status).toBe(200);
    expect(got.headers.get("x-manifest-sha256")).toBe(await sha256(bytes));
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);

    const back = await download(p, id, [c.sha, b.sha, a.sha]);
    expect(back.map((f) => f.sha256)).toEqual([c.sha, b.sha, a.sha]);
    expect(back[0]?.body).toEqual(c.plain);
    expect(back[2]?.body).toEqual(a.plain);
    // The deflated chunk comes back as stored: deflated, flag 1, inflating to its plaintext.
    expect(back[1]?.flag).toBe(1);
    const inflated = new Uint8Array(
      await new Response(
        new Blob([back[1]?.body as Uint8Array])
          .stream()
          .pipeThrough(new DecompressionStream("deflate-raw")),
      ).arrayBuffer(),
    );
    expect(inflated).toEqual(b.plain);

    // Nothing in R2 is plaintext.
    const listed = await env.SNAPSHOTS.list({
      prefix: `snapshots/${p.accountId}/${p.employeeId}/`,
    });
    expect(listed.objects.length).toBe(3);
    for (const o of listed.objects) {
      const stored = new Uint8Array(
        await ((await env.SNAPSHOTS.get(o.key)) as R2ObjectBody).arrayBuffer(),
      );
      expect(indexOf(stored, a.plain.subarray(0, 64))).toBe(-1);
      expect(indexOf(stored, new TextEncoder().encode("workspace/memory.md"))).toBe(-1);
    }
  });

  it("a second snapshot with one changed chunk uploads only that chunk", async () => {
    const p = await placedEmployee();
    const parts = await Promise.all(
      [1, 2, 3, 4].map((i) => chunkOf(pseudoRandom(200_000, 10 + i))),
    );
    const first = await snapshotOf(p, [{ path: "workspace/db.sqlite", chunks: parts }]);
    expect(first.missing.length).toBe(4);
    const changed = await chunkOf(pseudoRandom(200_000, 99));
    const next = [parts[0], parts[1], changed, parts[3]] as Chunk[];
    const second = await snapshotOf(p, [{ path: "workspace/db.sqlite", chunks: next }]);
    expect(second.missing).toEqual([changed.sha]);
    expect(second.sent.stored).toBe(1);
    const row = await snapshotRow(second.id);
    expect(row?.stored_bytes).toBe(second.sent.bytes);
    expect(row?.stored_bytes).toBeLessThan(200_100);
    const back = await download(
      p,
      second.id,
      next.map((c) => c.sha),
    );
    expect(join(back.map((f) => f.body))).toEqual(join(next.map((c) => c.plain)));
  });

  it("a manifest naming a chunk that is not stored is refused, listing it", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(10_000, 7));
    const b = await chunkOf(pseudoRandom(10_000, 8));
    const id = await openFor(p);
    await upload(p, id, [a]);
    const res = await putManifest(
      p.node.token,
      id,
      manifestOf(p, id, [{ path: "workspace/f", chunks: [a, b] }]),
    );
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; missing: string[] } };
    expect(body.error.code).toBe("snapshot_incomplete");
    expect(body.error.missing).toEqual([b.sha]);
    expect((await snapshotRow(id))?.status).toBe("pending");
  });

  it("a complete snapshot takes no more uploads", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(5_000, 5));
    const { id } = await snapshotOf(p, [{ path: "workspace/a", chunks: [a] }]);
    const again = await postPack(p.node.token, id, await frames([a]));
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("invalid_state");
    expect((await have(p.node.token, id, [a.sha])).status).toBe(409);
    expect((await putManifest(p.node.token, id, {})).status).toBe(409);
  });
});

describe("tampering", () => {
  it("a flipped byte in a stored pack ends the download and marks the snapshot corrupt", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(50_000, 21));
    const b = await chunkOf(pseudoRandom(50_000, 22));
    const { id } = await snapshotOf(p, [{ path: "workspace/x", chunks: [a, b] }]);
    const [pack] = (
      await env.SNAPSHOTS.list({ prefix: `snapshots/${p.accountId}/${p.employeeId}/packs/` })
    ).objects;
    const bytes = new Uint8Array(
      await ((await env.SNAPSHOTS.get(pack?.key ?? "")) as R2ObjectBody).arrayBuffer(),
    );
    bytes[bytes.byteLength - 100] = (bytes[bytes.byteLength - 100] as number) ^ 0x01;
    await env.SNAPSHOTS.put(pack?.key ?? "", bytes);

    const res = await fetchChunks(p.node.token, id, [a.sha, b.sha]);
    expect(res.status).toBe(200);
    const decoder = new ChunkFrameDecoder();
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const piece of res.body as ReadableStream<Uint8Array>)
          got.push(...decoder.push(piece).map((f) => f.sha256));
      })(),
    ).rejects.toThrow();
    expect(got).toEqual([a.sha]);
    const row = await snapshotRow(id);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/snapshot_corrupt/);
  });

  it("a manifest whose digest no longer matches D1 is refused as snapshot_corrupt", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(5_000, 31));
    const { id } = await snapshotOf(p, [{ path: "workspace/a", chunks: [a] }]);
    await env.DB.prepare("UPDATE snapshots SET manifest_sha256 = ? WHERE id = ?")
      .bind("0".repeat(64), id)
      .run();
    const res = await agentCall(p.node.token, `${id}/manifest`, { method: "GET" });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("snapshot_corrupt");
    expect((await snapshotRow(id))?.status).toBe("failed");
  });

  it("a manifest object swapped for another snapshot's does not open", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(5_000, 41));
    const one = await snapshotOf(p, [{ path: "workspace/a", chunks: [a] }]);
    const two = await snapshotOf(p, [{ path: "workspace/b", chunks: [a] }]);
    const prefix = `snapshots/${p.accountId}/${p.employeeId}/manifests/`;
    const other = await env.SNAPSHOTS.get(`${prefix}${one.id}`);
    await env.SNAPSHOTS.put(`${prefix}${two.id}`, await (other as R2ObjectBody).arrayBuffer());
    const res = await agentCall(p.node.token, `${two.id}/manifest`, { method: "GET" });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("snapshot_corrupt");
  });
});

describe("hostile uploads", () => {
  async function refused(body: Uint8Array | string, status: number, code: string) {
    const p = await placedEmployee();
    const id = await openFor(p);
    const res = await postPack(p.node.token, id, body);
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
    // Nothing of the request is findable or left in R2.
    const stats = await snapshotStore(env, p.employeeId).stats();
    expect(stats.chunks).toBe(0);
    expect(stats.referencedPacks).toBe(0);
    const listed = await env.SNAPSHOTS.list({ prefix: `snapshots/${p.accountId}/` });
    expect(listed.objects).toEqual([]);
    return p;
  }

  it("a frame whose digest is wrong refuses the whole request", async () => {
    const good = await chunkOf(pseudoRandom(20_000, 51));
    const forged = { sha: good.sha, plain: pseudoRandom(20_000, 52) };
    await refused(await frames([good, forged]), 400, "chunk_digest_mismatch");
  });

  it("a truncated stream, an unknown flag or an over-long frame is refused", async () => {
    const good = await chunkOf(pseudoRandom(20_000, 53));
    const whole = await frames([good]);
    await refused(whole.subarray(0, whole.byteLength - 10), 400, "invalid_frame");
    const badFlag = whole.slice();
    badFlag[36] = 7;
    await refused(badFlag, 400, "invalid_frame");
    const huge = encodeFrameHeader(good.sha, FLAG_RAW, 1);
    new DataView(huge.buffer).setUint32(0, 64 * 1024 * 1024);
    await refused(huge, 400, "invalid_frame");
    await refused(new Uint8Array(0), 400, "invalid_frame");
  });

  it("a deflated frame that does not inflate, or inflates past the largest chunk, is refused", async () => {
    const junk = pseudoRandom(1_000, 54);
    const header = encodeFrameHeader(await sha256(junk), 1, junk.byteLength);
    await refused(join([header, junk]), 400, "invalid_frame");
    const bomb = new Uint8Array(5 * 1024 * 1024);
    const squeezed = new Uint8Array(
      await new Response(
        new Blob([bomb]).stream().pipeThrough(new CompressionStream("deflate-raw")),
      ).arrayBuffer(),
    );
    const bombHeader = encodeFrameHeader(await sha256(bomb), 1, squeezed.byteLength);
    await refused(join([bombHeader, squeezed]), 400, "invalid_frame");
  });

  it("a pack whose Content-Length passes PACK_MAX_BYTES is refused before it is read", async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const a = await chunkOf(pseudoRandom(5_000, 55));
    const body = await frames([a]);
    const res = await agentCall(p.node.token, `${id}/packs`, {
      method: "POST",
      body: new Blob([body]).stream().pipeThrough(new FixedLengthStream(65 * 1024 * 1024)),
      headers: { "content-type": "application/octet-stream" },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("body_too_large");
    expect((await snapshotStore(env, p.employeeId).stats()).chunks).toBe(0);
  });

  it("a manifest that is not one, or names another snapshot, is refused", async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const notJson = await agentCall(p.node.token, `${id}/manifest`, {
      method: "PUT",
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe("invalid_manifest");
    const other = manifestOf(p, crypto.randomUUID(), []);
    const res = await putManifest(p.node.token, id, other);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_manifest");
    const climbing = manifestOf(p, id, []);
    climbing.entries.push({ type: "dir", path: "workspace/../../etc", mode: 0o755 });
    expect((await putManifest(p.node.token, id, climbing)).status).toBe(400);
    expect((await snapshotRow(id))?.status).toBe("pending");
  });
});

describe("who may reach a snapshot", () => {
  it("another node's token, or a node the employee left, gets 404", async () => {
    const p = await placedEmployee();
    const a = await chunkOf(pseudoRandom(5_000, 61));
    const { id } = await snapshotOf(p, [{ path: "workspace/a", chunks: [a] }]);
    const other = await createNode();
    for (const res of [
      await have(other.token, id, [a.sha]),
      await postPack(other.token, id, await frames([a])),
      await agentCall(other.token, `${id}/manifest`, { method: "GET" }),
      await fetchChunks(other.token, id, [a.sha]),
    ]) {
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    // The employee moves to the other node: now that node may read it, the first may not.
    await env.DB.prepare("UPDATE employees SET node_id = ? WHERE id = ?")
      .bind(other.id, p.employeeId)
      .run();
    expect((await fetchChunks(p.node.token, id, [a.sha])).status).toBe(404);
    const moved = await fetchChunks(other.token, id, [a.sha]);
    expect(moved.status).toBe(200);
    await moved.body?.cancel();
    expect((await fetchChunks("iwn_not-a-real-token-at-all-000000", id, [a.sha])).status).toBe(401);
  });

  it("a snapshot opened for another node takes no upload from this one", async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const other = await createNode();
    await env.DB.prepare("UPDATE employees SET node_id = ? WHERE id = ?")
      .bind(other.id, p.employeeId)
      .run();
    const a = await chunkOf(pseudoRandom(5_000, 62));
    expect((await postPack(other.token, id, await frames([a]))).status).toBe(404);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.byteLength <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
