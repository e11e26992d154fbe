import { createHash } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import {
  parseSnapshotManifest,
  SNAPSHOT_MANIFEST_MAX_BYTES,
  type SnapshotManifest,
} from "../../edge/protocol/snapshot-manifest.ts";
import {
  CHUNK_MAX_BYTES,
  ChunkFrameDecoder,
  FETCH_MAX_CHUNKS,
  FLAG_DEFLATE,
  SnapshotWireError,
} from "../../edge/protocol/snapshot-wire.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";

// A snapshot's manifest and chunks, read back from the edge for a restore (issue 16) through the
// node-token routes of edge/protocol/snapshot-wire.ts. Nothing is trusted as it arrives: the
// manifest is parsed by the one shared parser and its digest compared with the edge's, and every
// chunk is checked against the SHA-256 the manifest names for its place. At most one chunk is
// held at a time: the response is read as a stream through the shared frame decoder, and the
// next piece is only read once the writer has taken the chunk before.

/** The header in which the edge states the manifest's SHA-256 (as recorded in D1). */
export const MANIFEST_SHA_HEADER = "x-manifest-sha256";
const ERROR_BODY_CHARS = 300;

/** The snapshot cannot be trusted: retrying cannot help, and nothing of it is used. */
export const corrupt = (message: string) => new RuntimeError("snapshot_corrupt", message, false);

export interface FetchedManifest {
  manifest: SnapshotManifest;
  sha256: string;
}

export interface ChunkFetcherOptions {
  edgeUrl: string;
  nodeToken: string;
  snapshotId: string;
  /** Aborts every request (the phase's deadline). */
  signal: AbortSignal;
}

export class ChunkFetcher {
  private readonly opts: ChunkFetcherOptions;

  constructor(opts: ChunkFetcherOptions) {
    this.opts = opts;
  }

  async manifest(): Promise<FetchedManifest> {
    const res = await this.request("GET", "manifest");
    const bytes = await readCapped(res, SNAPSHOT_MANIFEST_MAX_BYTES);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const stated = res.headers.get(MANIFEST_SHA_HEADER)?.toLowerCase();
    if (stated && stated !== sha256)
      throw corrupt(`the manifest's digest is ${sha256}, the edge recorded ${stated}`);
    const parsed = parseSnapshotManifest(bytes);
    if (!parsed.ok) throw corrupt(parsed.error);
    if (parsed.manifest.snapshotId !== this.opts.snapshotId)
      throw corrupt(`the manifest is of snapshot ${parsed.manifest.snapshotId}`);
    return { manifest: parsed.manifest, sha256 };
  }

  /**
   * The plaintext of each chunk, in the order given (a chunk named twice comes twice), asked
   * FETCH_MAX_CHUNKS at a time. Each is checked before it is handed out.
   */
  async *chunks(order: readonly string[]): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < order.length; at += FETCH_MAX_CHUNKS) {
      const batch = order.slice(at, at + FETCH_MAX_CHUNKS);
      const res = await this.request("POST", "chunks", JSON.stringify({ chunks: batch }));
      if (!res.body) throw fetchFailed("the edge sent no chunks");
      const decoder = new ChunkFrameDecoder();
      let next = 0;
      try {
        for await (const piece of res.body) {
          for (const frame of decodeOrCorrupt(decoder, piece)) {
            const expected = batch[next];
            if (expected === undefined) throw corrupt("the edge sent more chunks than asked");
            if (frame.sha256 !== expected)
              throw corrupt(
                `chunk ${at + next} is ${frame.sha256}, the manifest names ${expected}`,
              );
            next++;
            yield checkedPlaintext(frame.sha256, frame.flag, frame.body);
          }
        }
        decodeEnd(decoder);
      } catch (err) {
        if (err instanceof RuntimeError) throw err;
        if (this.opts.signal.aborted) throw fetchTimedOut();
        throw fetchFailed(`the chunk stream broke: ${String(err)}`);
      }
      if (next < batch.length)
        throw fetchFailed(`the edge sent ${next} of ${batch.length} chunks, then ended`);
    }
  }

  private async request(method: "GET" | "POST", route: string, body?: string): Promise<Response> {
    const url = new URL(
      `/agent/snapshots/${encodeURIComponent(this.opts.snapshotId)}/${route}`,
      this.opts.edgeUrl,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.nodeToken}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body } : {}),
        signal: this.opts.signal,
      });
    } catch (err) {
      if (this.opts.signal.aborted) throw fetchTimedOut();
      throw fetchFailed(`could not reach the edge: ${String(err)}`);
    }
    if (res.ok) return res;
    const said = (await res.text().catch(() => "")).slice(0, ERROR_BODY_CHARS);
    // The edge checks the snapshot too (manifest digest, every chunk present) and says so.
    if (said.includes("snapshot_corrupt")) throw corrupt(`the edge refused the snapshot: ${said}`);
    if (res.status === 404)
      throw new RuntimeError("snapshot_not_found", "the edge has no such snapshot for us", false);
    throw new RuntimeError(
      "snapshot_fetch_failed",
      `the edge answered ${res.status} to ${method} ${route}: ${said}`,
      res.status >= 500 || res.status === 429 || res.status === 408,
    );
  }
}

/** Inflates a frame's body when it is deflated and checks its digest: the plaintext, or corrupt. */
export function checkedPlaintext(sha256: string, flag: number, body: Uint8Array): Uint8Array {
  let plain = body;
  if (flag === FLAG_DEFLATE) {
    try {
      plain = inflateRawSync(body, { maxOutputLength: CHUNK_MAX_BYTES });
    } catch (err) {
      throw corrupt(`chunk ${sha256} does not inflate: ${String(err)}`);
    }
  }
  const actual = createHash("sha256").update(plain).digest("hex");
  if (actual !== sha256) throw corrupt(`chunk ${sha256} arrived as ${actual}`);
  return plain;
}

function decodeOrCorrupt(decoder: ChunkFrameDecoder, piece: Uint8Array) {
  try {
    return decoder.push(piece);
  } catch (err) {
    if (err instanceof SnapshotWireError) throw corrupt(err.message);
    throw err;
  }
}

// A stream that ends inside a frame was cut (a dying connection), not a bad snapshot.
function decodeEnd(decoder: ChunkFrameDecoder): void {
  try {
    decoder.end();
  } catch (err) {
    throw fetchFailed(err instanceof Error ? err.message : String(err));
  }
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const piece of res.body ?? []) {
      total += piece.byteLength;
      if (total > max) throw corrupt(`the manifest is larger than ${max} bytes`);
      parts.push(piece);
    }
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw fetchFailed(`the manifest's download broke: ${String(err)}`);
  }
  return Buffer.concat(parts, total);
}

const fetchFailed = (message: string) => new RuntimeError("snapshot_fetch_failed", message, true);
const fetchTimedOut = () =>
  new RuntimeError("snapshot_fetch_timeout", "fetching the snapshot took too long", true);
