import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  CHUNK_AVG_BYTES,
  ChunkFrameDecoder,
  encodeFrameHeader,
  FETCH_MAX_CHUNKS,
  FLAG_RAW,
  PACK_MAX_BYTES,
} from "../protocol/snapshot-wire.ts";
import { snapshotStore } from "../snapshots/snapshot-store-stub.ts";
import { errorOf } from "./helpers.ts";
import {
  agentCall,
  manifestOf,
  openFor,
  type Placed,
  placedEmployee,
  pseudoRandom,
  putManifest,
  sha256,
} from "./snapshot-helpers.ts";

// A large snapshot through the real routes: TOTAL_MB of 1 MiB chunks
// go up as packs of at most PACK_MAX_BYTES, streamed (the test makes each frame when the request
// pulls it, the edge writes 8 MiB parts), then come back and are checked. Prints MB/s each way.

const TOTAL_MB = 300;
const CHUNK = CHUNK_AVG_BYTES;
const PER_PACK = Math.floor(PACK_MAX_BYTES / (CHUNK + 100));

interface Sent {
  sha: string;
  seed: number;
}

// Frames made as the body is read: the test holds one chunk at a time too.
function frameStream(seeds: number[], sent: Sent[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const seed = seeds[i++];
        if (seed === undefined) {
          controller.close();
          return;
        }
        const plain = pseudoRandom(CHUNK, seed);
        const sha = await sha256(plain);
        sent.push({ sha, seed });
        controller.enqueue(encodeFrameHeader(sha, FLAG_RAW, plain.byteLength));
        controller.enqueue(plain);
      },
    },
    { highWaterMark: 0 },
  );
}

function postStream(p: Placed, id: string, body: ReadableStream<Uint8Array>) {
  return agentCall(p.node.token, `${id}/packs`, {
    method: "POST",
    body,
    headers: { "content-type": "application/octet-stream" },
  });
}

describe("large snapshots", () => {
  it(`${TOTAL_MB} MB go up in packs of at most 64 MiB and come back whole`, {
    timeout: 600_000,
  }, async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const chunks = Math.ceil((TOTAL_MB * 1_000_000) / CHUNK);
    const seeds = Array.from({ length: chunks }, (_, i) => 1000 + i);
    const sent: Sent[] = [];
    const upStart = Date.now();
    for (let i = 0; i < seeds.length; i += PER_PACK) {
      const res = await postStream(p, id, frameStream(seeds.slice(i, i + PER_PACK), sent));
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const upMs = Date.now() - upStart;
    const packs = await env.SNAPSHOTS.list({
      prefix: `snapshots/${p.accountId}/${p.employeeId}/packs/`,
    });
    expect(packs.objects.length).toBe(Math.ceil(chunks / PER_PACK));
    for (const o of packs.objects) expect(o.size).toBeLessThanOrEqual(PACK_MAX_BYTES);

    const manifest = manifestOf(p, id, []);
    manifest.entries.push({
      type: "file",
      path: "workspace/big.bin",
      mode: 0o644,
      size: chunks * CHUNK,
      mtimeMs: 0,
      chunks: sent.map((s) => s.sha),
    });
    manifest.logicalBytes = chunks * CHUNK;
    expect((await putManifest(p.node.token, id, manifest)).status).toBe(200);

    const downStart = Date.now();
    let index = 0;
    for (let i = 0; i < sent.length; i += FETCH_MAX_CHUNKS) {
      const batch = sent.slice(i, i + FETCH_MAX_CHUNKS);
      const res = await agentCall(p.node.token, `${id}/chunks`, {
        method: "POST",
        json: { chunks: batch.map((s) => s.sha) },
      });
      expect(res.status).toBe(200);
      const decoder = new ChunkFrameDecoder();
      for await (const piece of res.body as ReadableStream<Uint8Array>)
        for (const frame of decoder.push(piece)) {
          const want = sent[index++] as Sent;
          expect(frame.sha256).toBe(want.sha);
          expect(await sha256(frame.body)).toBe(want.sha);
        }
      decoder.end();
    }
    const downMs = Date.now() - downStart;
    expect(index).toBe(sent.length);
    const mb = (chunks * CHUNK) / 1e6;
    console.log(
      `snapshot bulk: ${mb.toFixed(0)} MB in ${packs.objects.length} packs; up ${upMs} ms (${(mb / (upMs / 1000)).toFixed(1)} MB/s, chunks made and hashed by the test too), down ${downMs} ms (${(mb / (downMs / 1000)).toFixed(1)} MB/s, hashed again by the test)`,
    );
  });

  it("ingest alone: one full pack of frames made beforehand", { timeout: 300_000 }, async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const made = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const plain = pseudoRandom(CHUNK, 90_000 + i);
        return { header: encodeFrameHeader(await sha256(plain), FLAG_RAW, CHUNK), plain };
      }),
    );
    let i = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (i >= PER_PACK) return controller.close();
          const f = made[i++ % made.length] as (typeof made)[number];
          controller.enqueue(f.header);
          controller.enqueue(f.plain);
        },
      },
      { highWaterMark: 0 },
    );
    const start = Date.now();
    const res = await postStream(p, id, body);
    expect(res.status).toBe(200);
    const ms = Date.now() - start;
    const mb = (PER_PACK * CHUNK) / 1e6;
    console.log(
      `snapshot ingest: ${mb.toFixed(0)} MB in ${ms} ms (${(mb / (ms / 1000)).toFixed(1)} MB/s)`,
    );
  });

  it("a pack streamed past PACK_MAX_BYTES without a length is cut off with 413, nothing kept", {
    timeout: 300_000,
  }, async () => {
    const p = await placedEmployee();
    const id = await openFor(p);
    const seeds = Array.from({ length: PER_PACK + 4 }, (_, i) => 50_000 + i);
    const res = await postStream(p, id, frameStream(seeds, []));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("body_too_large");
    expect((await snapshotStore(env, p.employeeId).stats()).chunks).toBe(0);
    const listed = await env.SNAPSHOTS.list({ prefix: `snapshots/${p.accountId}/` });
    expect(listed.objects).toEqual([]);
  });
});
