import type { Env } from "../env.ts";
import {
  CHUNK_MAX_BYTES,
  type ChunkFrame,
  ChunkFrameDecoder,
  FLAG_DEFLATE,
  PACK_MAX_BYTES,
  SnapshotWireError,
  toHex,
} from "../protocol/snapshot-wire.ts";
import { R2PackWriter } from "./pack-writer.ts";
import { type SealOwner, seal } from "./snapshot-crypto.ts";
import { SnapshotError } from "./snapshot-error.ts";
import type { ChunkRecord } from "./snapshot-index.ts";
import { accountDataKey } from "./snapshot-keys.ts";
import { packKey, snapshotStore } from "./snapshot-store-stub.ts";

// One pack upload (POST /agent/snapshots/:id/packs): the body's frames are read as they arrive,
// each inflated when deflated, checked against its SHA-256, sealed, and appended to the pack in
// R2; memory holds one frame and one R2 part. The chunks are committed to the employee's index
// only when the whole request was good: a bad frame anywhere records nothing of the request.

/** Chunk records sent to the index at once while a pack is read (staged until it completes). */
const STAGE_BATCH = 5000;

export interface PackOwner extends SealOwner {
  snapshotId: string;
}

export interface IngestResult {
  /** Chunks new to the index (a chunk stored before keeps its first copy). */
  stored: number;
  /** Sealed bytes written to R2. */
  bytes: number;
  frames: number;
}

export async function ingestPack(
  env: Env,
  owner: PackOwner,
  body: ReadableStream<Uint8Array>,
  now: number,
): Promise<IngestResult> {
  const key = await accountDataKey(env, owner.accountId, { create: true, now });
  const pack = packKey(owner.accountId, owner.employeeId, crypto.randomUUID());
  const store = snapshotStore(env, owner.employeeId);
  await store.beginPack(pack, owner.snapshotId, now);
  const writer = await R2PackWriter.open(env.SNAPSHOTS, pack);
  const decoder = new ChunkFrameDecoder();
  let staged: ChunkRecord[] = [];
  let received = 0;
  let frames = 0;

  const take = async (frame: ChunkFrame) => {
    const plain = frame.flag === FLAG_DEFLATE ? await inflate(frame.body) : frame.body;
    const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", plain)));
    if (digest !== frame.sha256)
      throw new SnapshotError(
        400,
        "chunk_digest_mismatch",
        `frame ${frames}: the chunk's SHA-256 is ${digest}, not ${frame.sha256}`,
      );
    // What is stored is the body as sent (deflated or not), sealed under its plaintext's name.
    const sealed = await seal(key, owner, frame.sha256, frame.body);
    const offset = await writer.append(sealed);
    staged.push({
      sha: frame.sha256,
      offset,
      length: sealed.byteLength,
      plainSize: plain.byteLength,
      flag: frame.flag,
    });
    frames++;
    if (staged.length >= STAGE_BATCH) {
      await store.stage(pack, staged);
      staged = [];
    }
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > PACK_MAX_BYTES)
        throw new SnapshotError(
          413,
          "body_too_large",
          `a pack may be at most ${PACK_MAX_BYTES} bytes`,
        );
      for (const frame of decoder.push(value)) await take(frame);
    }
    decoder.end();
    if (frames === 0) throw new SnapshotError(400, "invalid_frame", "the pack holds no chunk");
    const bytes = await writer.complete();
    if (staged.length > 0) await store.stage(pack, staged);
    const stored = await store.finishPack(pack, bytes, now);
    return { stored, bytes, frames };
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await writer.abort();
    await store.abandonPack(pack);
    if (err instanceof SnapshotWireError)
      throw new SnapshotError(400, "invalid_frame", `frame ${frames}: ${err.message}`);
    throw err;
  }
}

/** A deflated body's plaintext, refused past the largest chunk (a deflate bomb stops there). */
async function inflate(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const pieces: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > CHUNK_MAX_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new SnapshotError(
          400,
          "invalid_frame",
          `a chunk inflates past ${CHUNK_MAX_BYTES} bytes`,
        );
      }
      pieces.push(value);
    }
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    throw new SnapshotError(400, "invalid_frame", "a deflated chunk does not inflate");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
