import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { constants, deflateRaw } from "node:zlib";
import { SNAPSHOT_UPLOAD_TIMEOUT_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import {
  encodeFrameHeader,
  FLAG_DEFLATE,
  FLAG_RAW,
  FRAME_HEADER_BYTES,
  HAVE_MAX_CHUNKS,
  PACK_MAX_BYTES,
} from "../../edge/protocol/snapshot-wire.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import { type PackAnswer, PackPost, refusal } from "./pack-post.ts";

// Sends a snapshot's chunks to the edge over the routes of edge/protocol/snapshot-wire.ts: asks
// which of them the edge lacks (every chunk of the manifest, so the edge also claims the packs of
// the ones it has against garbage collection), then streams only those as frames in packs of at
// most PACK_MAX_BYTES, two requests in flight, then PUTs the manifest. A chunk is deflated when
// that saves at least 5 %.

const deflate = promisify(deflateRaw);
/** Deflate's fastest level: the node's CPU is the employees', and chunks of state compress well anyway. */
export const DEFLATE_LEVEL = constants.Z_BEST_SPEED;
export const DEFLATE_MIN_SAVING = 0.05;
export const PACKS_IN_FLIGHT = 2;
const MANIFEST_TIMEOUT_MS = 60_000;

export interface ChunkBody {
  sha256: string;
  bytes: Uint8Array;
}

/** Where a snapshot's chunks come from (files on the host, OpenClaw's archive). */
export interface ChunkSource {
  /** The digests of every chunk the source's entries name now. */
  digests(): Iterable<string>;
  /**
   * The bytes of the wanted chunks. A source whose file changed since it was digested reads it
   * again and yields all its new chunks (its entry updated), wanted or not.
   */
  bodies(wanted: ReadonlySet<string>): AsyncIterable<ChunkBody>;
}

export interface UploaderOptions {
  edgeUrl: string;
  nodeToken: string;
  snapshotId: string;
  signal: AbortSignal;
  /** Plaintext bytes sent so far, of those the edge lacked. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** PACK_MAX_BYTES unless a test wants smaller packs. */
  packMaxBytes?: number;
}

export interface UploadTotals {
  chunksSent: number;
  /** Bytes of frame bodies sent (what the edge stores, before its own sealing). */
  storedBytes: number;
  plainBytes: number;
}

export class SnapshotUploader {
  private readonly opts: UploaderOptions;
  private readonly asked = new Set<string>();
  private readonly lacking = new Set<string>();
  private readonly sent = new Set<string>();

  constructor(opts: UploaderOptions) {
    this.opts = opts;
  }

  private url(route: string): URL {
    return new URL(`/agent/snapshots/${this.opts.snapshotId}/${route}`, this.opts.edgeUrl);
  }

  private signal(timeoutMs: number): AbortSignal {
    return AbortSignal.any([this.opts.signal, AbortSignal.timeout(timeoutMs)]);
  }

  /** Asks the edge about every digest (in batches); returns those it lacks. */
  async missing(digests: Iterable<string>): Promise<ReadonlySet<string>> {
    const fresh = [...new Set(digests)].filter((d) => !this.asked.has(d));
    for (let i = 0; i < fresh.length; i += HAVE_MAX_CHUNKS) {
      const batch = fresh.slice(i, i + HAVE_MAX_CHUNKS);
      const res = await fetch(this.url("have"), {
        method: "POST",
        headers: this.headers("application/json"),
        body: JSON.stringify({ chunks: batch }),
        signal: this.signal(SNAPSHOT_UPLOAD_TIMEOUT_MS),
      }).catch(unreachable("have"));
      if (!res.ok) throw await refusal(res, "have request");
      const json = (await res.json().catch(() => null)) as { missing?: unknown } | null;
      if (!json || !Array.isArray(json.missing))
        throw new RuntimeError("upload_failed", "the edge's have answer has no missing list", true);
      const inBatch = new Set(batch);
      for (const d of json.missing) {
        // Only what was asked: an answer naming other digests is not believed.
        if (typeof d === "string" && inBatch.has(d)) this.lacking.add(d);
      }
      for (const d of batch) this.asked.add(d);
    }
    return this.lacking;
  }

  /** Streams every chunk the edge lacks, source after source. */
  async send(sources: readonly ChunkSource[], bytesTotal: number): Promise<UploadTotals> {
    const totals: UploadTotals = { chunksSent: 0, storedBytes: 0, plainBytes: 0 };
    const inFlight: Promise<PackAnswer>[] = [];
    let pack: PackPost | null = null;
    const url = this.url("packs");
    try {
      for (const source of sources) {
        for await (const chunk of source.bodies(this.lacking)) {
          this.opts.signal.throwIfAborted();
          const { sha256, bytes } = chunk;
          if (this.sent.has(sha256)) continue;
          // A chunk the edge has (asked and not lacking) is not sent; a new one (a file read again) is.
          if (this.asked.has(sha256) && !this.lacking.has(sha256)) continue;
          if (createHash("sha256").update(bytes).digest("hex") !== sha256)
            throw new RuntimeError("snapshot_failed", "a chunk does not match its digest", true);
          const packed = await deflate(bytes, { level: DEFLATE_LEVEL });
          const small = packed.byteLength <= bytes.byteLength * (1 - DEFLATE_MIN_SAVING);
          const body = small ? packed : bytes;
          const header = encodeFrameHeader(
            sha256,
            small ? FLAG_DEFLATE : FLAG_RAW,
            body.byteLength,
          );
          const packMax = this.opts.packMaxBytes ?? PACK_MAX_BYTES;
          if (pack && pack.bytes + FRAME_HEADER_BYTES + body.byteLength > packMax) {
            inFlight.push(pack.close());
            pack = null;
          }
          if (!pack) {
            // At most PACKS_IN_FLIGHT requests: the one being written and the one being stored.
            while (inFlight.length >= PACKS_IN_FLIGHT) await inFlight.shift();
            pack = new PackPost(url, this.opts.nodeToken, this.signal(SNAPSHOT_UPLOAD_TIMEOUT_MS));
          }
          await pack.add(header, body);
          this.sent.add(sha256);
          totals.chunksSent++;
          totals.storedBytes += body.byteLength;
          totals.plainBytes += bytes.byteLength;
          this.opts.onProgress?.(totals.plainBytes, Math.max(bytesTotal, totals.plainBytes));
        }
      }
      if (pack) inFlight.push(pack.close());
      pack = null;
      for (const answer of inFlight.splice(0)) await answer;
    } catch (err) {
      pack?.abort(err);
      for (const answer of inFlight) answer.catch(() => undefined);
      throw err;
    }
    return totals;
  }

  /** Sends the manifest (the edge checks it and every chunk it names); returns its SHA-256. */
  async putManifest(bytes: Uint8Array): Promise<string> {
    const digest = createHash("sha256").update(bytes).digest("hex");
    const res = await fetch(this.url("manifest"), {
      method: "PUT",
      headers: this.headers("application/json"),
      body: bytes,
      signal: this.signal(MANIFEST_TIMEOUT_MS),
    }).catch(unreachable("manifest"));
    if (!res.ok) throw await refusal(res, "manifest upload");
    const json = (await res.json().catch(() => ({}))) as { manifestSha256?: unknown };
    if (typeof json.manifestSha256 === "string" && json.manifestSha256 !== digest)
      throw new RuntimeError(
        "snapshot_failed",
        "the edge recorded another digest for the manifest than the one sent",
        true,
      );
    return digest;
  }

  private headers(contentType: string): Record<string, string> {
    return { authorization: `Bearer ${this.opts.nodeToken}`, "content-type": contentType };
  }
}

const unreachable = (what: string) => (err: unknown) => {
  throw new RuntimeError(
    "upload_failed",
    `could not reach the edge for the snapshot's ${what}: ${String(err)}`.slice(0, 500),
    true,
  );
};
