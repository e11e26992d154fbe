import { createCipheriv, createHash } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateRawSync } from "node:zlib";
import {
  SNAPSHOT_MANIFEST_VERSION,
  type SnapshotEntry,
  type SnapshotManifest,
} from "../../edge/protocol/snapshot-manifest.ts";
import {
  encodeFrameHeader,
  FETCH_MAX_CHUNKS,
  FLAG_DEFLATE,
  FLAG_RAW,
} from "../../edge/protocol/snapshot-wire.ts";

// For restore tests: the edge's two read routes (GET .../manifest, POST .../chunks) over a
// snapshot the test builds, speaking our own wire (the shared codec), with faults on demand: a
// chunk whose bytes are changed, a stream cut after so many bytes, a wrong manifest digest.

export const TEST_NODE_TOKEN = "node-token-for-restore-tests";

/** A file's content: bytes, or `size` pseudo-random bytes made on demand (never all held). */
export type TestFile =
  | { type: "dir"; path: string; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "file"; path: string; mode?: number; content: Uint8Array | string }
  | { type: "file"; path: string; mode?: number; size: number; seed: string };

export interface TestSnapshot {
  manifest: SnapshotManifest;
  /** The plaintext of a chunk by its digest. */
  chunk(sha: string): Uint8Array;
  /** Whether deflating the chunk is worth a try (seeded bytes never compress). */
  compressible(sha: string): boolean;
}

export const TEST_CHUNK_BYTES = 1024 * 1024;

// Seeded bytes (AES-CTR over zeros): incompressible, fast, reproducible chunk by chunk.
function seeded(seed: string, index: number, bytes: number): Uint8Array {
  const key = createHash("sha256").update(seed).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index, 12);
  return createCipheriv("aes-128-ctr", key, iv).update(Buffer.alloc(bytes));
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export function buildSnapshot(
  snapshotId: string,
  employeeId: string,
  files: TestFile[],
  over: Partial<SnapshotManifest> = {},
): TestSnapshot {
  const stored = new Map<string, Uint8Array>();
  const generated = new Map<string, { seed: string; index: number; bytes: number }>();
  const entries: SnapshotEntry[] = [];
  let logicalBytes = 0;
  for (const f of files) {
    if (f.type === "dir") entries.push({ type: "dir", path: f.path, mode: f.mode ?? 0o755 });
    else if (f.type === "symlink") entries.push(f);
    else {
      const chunks: string[] = [];
      let size: number;
      if ("content" in f) {
        const bytes = typeof f.content === "string" ? Buffer.from(f.content) : f.content;
        size = bytes.byteLength;
        for (let at = 0; at < size; at += TEST_CHUNK_BYTES) {
          const piece = bytes.subarray(at, at + TEST_CHUNK_BYTES);
          const sha = sha256(piece);
          stored.set(sha, piece);
          chunks.push(sha);
        }
      } else {
        size = f.size;
        for (let at = 0, index = 0; at < size; at += TEST_CHUNK_BYTES, index++) {
          const bytes = Math.min(TEST_CHUNK_BYTES, size - at);
          const sha = sha256(seeded(f.seed, index, bytes));
          generated.set(sha, { seed: f.seed, index, bytes });
          chunks.push(sha);
        }
      }
      logicalBytes += size;
      entries.push({
        type: "file",
        path: f.path,
        mode: f.mode ?? 0o644,
        size,
        mtimeMs: 1_700_000_000_000,
        chunks,
      });
    }
  }
  return {
    manifest: {
      version: SNAPSHOT_MANIFEST_VERSION,
      snapshotId,
      employeeId,
      createdAt: Date.now(),
      agentVersion: "test",
      image: null,
      openclawVersion: null,
      openclaw: null,
      logicalBytes,
      entries,
      ...over,
    },
    compressible: (sha) => stored.has(sha),
    chunk(sha) {
      const known = stored.get(sha);
      if (known) return known;
      const g = generated.get(sha);
      if (!g) throw new Error(`no chunk ${sha}`);
      return seeded(g.seed, g.index, g.bytes);
    },
  };
}

export interface Faults {
  /** This chunk's bytes are changed on the wire (its header still names the right digest). */
  corruptChunk?: string;
  /** The connection is cut once this many chunk bytes went out (the edge dying). */
  dieAfterBytes?: number;
  /** Once this many chunk bytes went out, the edge sends nothing more and keeps the socket. */
  stallAfterBytes?: number;
  /** The manifest's digest header says something else. */
  wrongManifestDigest?: boolean;
}

export interface RestoreEdge {
  url: string;
  snapshots: Map<string, TestSnapshot>;
  faults: Faults;
  chunkRequests: number;
  close(): Promise<void>;
}

export async function startRestoreEdge(): Promise<RestoreEdge> {
  const edge: RestoreEdge = {
    url: "",
    snapshots: new Map(),
    faults: {},
    chunkRequests: 0,
    close: async () => undefined,
  };
  let sent = 0;
  const server: Server = createServer(async (req, res) => {
    const m = /^\/agent\/snapshots\/([^/]+)\/(manifest|chunks)$/.exec(req.url ?? "");
    const snap = m ? edge.snapshots.get(decodeURIComponent(m[1] ?? "")) : undefined;
    if (req.headers.authorization !== `Bearer ${TEST_NODE_TOKEN}`) return end(res, 401);
    if (!m || !snap) return end(res, 404);
    if (m[2] === "manifest" && req.method === "GET") {
      const bytes = Buffer.from(JSON.stringify(snap.manifest));
      res.writeHead(200, {
        "content-type": "application/json",
        "x-manifest-sha256": edge.faults.wrongManifestDigest ? "0".repeat(64) : sha256(bytes),
      });
      return res.end(bytes);
    }
    if (m[2] !== "chunks" || req.method !== "POST") return end(res, 405);
    edge.chunkRequests++;
    let body = "";
    for await (const piece of req) body += piece;
    const { chunks } = JSON.parse(body) as { chunks: string[] };
    if (chunks.length > FETCH_MAX_CHUNKS) return end(res, 400);
    res.writeHead(200, { "content-type": "application/octet-stream" });
    for (const sha of chunks) {
      let plain = snap.chunk(sha);
      if (sha === edge.faults.corruptChunk) {
        const changed = Buffer.from(plain);
        changed.writeUInt8(
          changed.readUInt8(changed.byteLength >> 1) ^ 0xff,
          changed.byteLength >> 1,
        );
        plain = changed;
      }
      // Deflated when that saves at least 5 %, as the snapshot side sends it.
      const deflated = snap.compressible(sha) ? deflateRawSync(plain) : plain;
      const useDeflate = deflated.byteLength < plain.byteLength * 0.95;
      const frameBody = useDeflate ? deflated : plain;
      const header = encodeFrameHeader(sha, useDeflate ? FLAG_DEFLATE : FLAG_RAW, frameBody.length);
      sent += frameBody.byteLength;
      if (edge.faults.dieAfterBytes !== undefined && sent > edge.faults.dieAfterBytes) {
        res.write(header);
        res.write(frameBody.subarray(0, frameBody.byteLength >> 1));
        res.socket?.destroy();
        return;
      }
      if (edge.faults.stallAfterBytes !== undefined && sent > edge.faults.stallAfterBytes) {
        res.write(header);
        return; // the body never comes; the socket stays open
      }
      res.write(header);
      if (!res.write(frameBody)) await new Promise((r) => res.once("drain", r));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  edge.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return edge;
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: `status ${status}` }));
}
