import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import {
  parseSnapshotManifest,
  type SnapshotManifest,
} from "../../../edge/protocol/snapshot-manifest.ts";
import {
  ChunkFrameDecoder,
  FLAG_DEFLATE,
  HAVE_MAX_CHUNKS,
  PACK_MAX_BYTES,
} from "../../../edge/protocol/snapshot-wire.ts";

// A loopback edge for the agent's snapshot uploads: the routes documented at the top of
// edge/protocol/snapshot-wire.ts, decoded with the shared ChunkFrameDecoder, every chunk inflated
// and checked against its digest as the Worker does. It keeps what it stored, and what it saw.

export interface SnapshotEdge {
  url: string;
  token: string;
  /** Plaintext by digest. */
  chunks: Map<string, Buffer>;
  manifests: Map<string, { manifest: SnapshotManifest; sha256: string }>;
  haveBatches: string[][];
  packs: { frames: number; bytes: number; deflated: number }[];
  maxPacksInFlight: number;
  /** Answers every request with this status instead, when set. */
  failWith: number | null;
  /** Extra digests the have answer names (a lying edge). */
  haveExtra: string[];
  /** False: chunks are checked and counted but their bytes dropped (a large upload's memory). */
  keepBodies: boolean;
  /** The file's bytes put back from a stored manifest and chunks. */
  contentOf(snapshotId: string, path: string): Buffer;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of req) parts.push(piece as Buffer);
  return Buffer.concat(parts);
}

export async function startSnapshotEdge(token = "iwn_snapshots"): Promise<SnapshotEdge> {
  let inFlight = 0;
  const edge: Omit<SnapshotEdge, "url" | "close"> = {
    token,
    chunks: new Map(),
    manifests: new Map(),
    haveBatches: [],
    packs: [],
    maxPacksInFlight: 0,
    failWith: null,
    haveExtra: [],
    keepBodies: true,
    contentOf(snapshotId, path) {
      const m = this.manifests.get(snapshotId)?.manifest;
      const e = m?.entries.find((x) => x.path === path);
      if (e?.type !== "file") throw new Error(`no file ${path}`);
      return Buffer.concat(e.chunks.map((c) => this.chunks.get(c) ?? Buffer.alloc(0)));
    },
  };
  const server: Server = createServer(async (req, res) => {
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const m = /^\/agent\/snapshots\/([A-Za-z0-9_-]+)\/(have|packs|manifest)$/.exec(req.url ?? "");
    if (req.headers.authorization !== `Bearer ${token}` || !m)
      return json(404, { error: "not found" });
    if (edge.failWith) {
      req.resume();
      return json(edge.failWith, { error: "refused" });
    }
    const [, snapshotId, route] = m;
    if (route === "have") {
      const { chunks } = JSON.parse((await body(req)).toString()) as { chunks: string[] };
      if (chunks.length > HAVE_MAX_CHUNKS) return json(400, { error: "too many" });
      edge.haveBatches.push(chunks);
      return json(200, {
        missing: [...chunks.filter((c) => !edge.chunks.has(c)), ...edge.haveExtra],
      });
    }
    if (route === "packs") {
      inFlight++;
      edge.maxPacksInFlight = Math.max(edge.maxPacksInFlight, inFlight);
      const decoder = new ChunkFrameDecoder();
      const pack = { frames: 0, bytes: 0, deflated: 0 };
      try {
        for await (const piece of req) {
          pack.bytes += (piece as Buffer).length;
          if (pack.bytes > PACK_MAX_BYTES) throw new Error("pack too large");
          for (const f of decoder.push(piece as Buffer)) {
            const plain = f.flag === FLAG_DEFLATE ? inflateRawSync(f.body) : Buffer.from(f.body);
            if (createHash("sha256").update(plain).digest("hex") !== f.sha256)
              throw new Error("digest mismatch");
            edge.chunks.set(f.sha256, edge.keepBodies ? plain : Buffer.alloc(0));
            pack.frames++;
            if (f.flag === FLAG_DEFLATE) pack.deflated++;
          }
        }
        decoder.end();
        // The Worker completes its R2 multipart upload before it answers: a little later here.
        await new Promise((r) => setTimeout(r, 30));
        edge.packs.push(pack);
        return json(200, { stored: pack.frames, bytes: pack.bytes });
      } catch (err) {
        return json(400, { error: String(err) });
      } finally {
        inFlight--;
      }
    }
    if (req.method !== "PUT") return json(405, { error: "method" });
    const bytes = await body(req);
    const parsed = parseSnapshotManifest(bytes);
    if (!parsed.ok) return json(400, { error: parsed.error });
    for (const e of parsed.manifest.entries)
      if (e.type === "file" && e.chunks.some((c) => !edge.chunks.has(c)))
        return json(409, { error: `chunk of ${e.path} missing` });
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    edge.manifests.set(snapshotId as string, { manifest: parsed.manifest, sha256 });
    return json(200, { manifestSha256: sha256 });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(edge, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
