import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { employees, type SnapshotRow } from "../../db/schema.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { parseWith, readBodyCapped } from "../http/validate.ts";
import { Sha256Hex, SNAPSHOT_MANIFEST_MAX_BYTES } from "../protocol/snapshot-manifest.ts";
import { FETCH_MAX_CHUNKS, HAVE_MAX_CHUNKS, PACK_MAX_BYTES } from "../protocol/snapshot-wire.ts";
import { chunkStream } from "../snapshots/chunk-stream.ts";
import { type IngestResult, ingestPack } from "../snapshots/pack-ingest.ts";
import { SnapshotCryptoError } from "../snapshots/snapshot-crypto.ts";
import { SnapshotError } from "../snapshots/snapshot-error.ts";
import {
  type Completion,
  completeFromManifest,
  readManifest,
} from "../snapshots/snapshot-service.ts";
import { snapshotStore } from "../snapshots/snapshot-store-stub.ts";
import { getSnapshot } from "../store/snapshots.ts";
import type { Deps } from "./deps.ts";

// The node's side of snapshots (/agent/snapshots/:snapshotId/*, edge/protocol/snapshot-wire.ts):
// a node reaches a snapshot only while the snapshot's employee is placed on it; it uploads only
// into a pending snapshot opened for it in the employee's current generation, and downloads only
// complete ones. Anything else of another node or account is a 404, as if it did not exist.

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A list of digests as JSON: 67 bytes per digest with its quotes and comma, and some room.
const digestListBytes = (n: number) => n * 67 + 256;
const digestsBody = (max: number) => z.strictObject({ chunks: z.array(Sha256Hex).min(1).max(max) });

type Use = "upload" | "download";

export async function snapshotForNode(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
  use: Use,
): Promise<SnapshotRow> {
  if (!ID.test(snapshotId)) throw notFound("snapshot");
  const row = await getSnapshot(deps.env.DB, snapshotId);
  if (!row) throw notFound("snapshot");
  const placed = await deps.db
    .select({ generation: employees.generation })
    .from(employees)
    .where(
      and(
        eq(employees.id, row.employeeId),
        eq(employees.accountId, row.accountId),
        eq(employees.nodeId, nodeId),
      ),
    )
    .get();
  if (!placed) throw notFound("snapshot");
  if (use === "download") {
    if (row.status !== "complete")
      throw new ApiError(409, "invalid_state", `The snapshot is ${row.status}, not complete.`);
    return row;
  }
  if (row.nodeId !== nodeId) throw notFound("snapshot");
  if (row.status !== "pending")
    throw new ApiError(
      409,
      "invalid_state",
      `The snapshot is ${row.status}: it takes no more uploads.`,
    );
  if (row.generation !== placed.generation)
    throw new ApiError(409, "invalid_state", "The snapshot was opened for an earlier placement.");
  return row;
}

/** The store's refusals in the one error shape. */
async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof SnapshotError) throw new ApiError(err.status, err.code, err.message);
    if (err instanceof SnapshotCryptoError && err.reason === "not_configured")
      throw new ApiError(503, "snapshots_not_configured", err.message);
    if (err instanceof SnapshotCryptoError && err.reason === "key_gone")
      throw new ApiError(410, "snapshot_key_gone", err.message);
    throw err;
  }
}

async function digestList(request: Request, max: number): Promise<string[]> {
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? ""))
    throw new ApiError(415, "unsupported_media_type", "Send the digests as application/json.");
  const text = await readBodyCapped(
    request,
    digestListBytes(max),
    () => new ApiError(413, "body_too_large", `At most ${max} digests per request.`),
    (body) => new Response(body).text(),
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  return parseWith(digestsBody(max), value, "request").chunks;
}

/** Which of these chunks the edge lacks; the packs holding the others are claimed. */
export async function haveChunks(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
  request: Request,
): Promise<{ missing: string[] }> {
  const row = await snapshotForNode(deps, nodeId, snapshotId, "upload");
  const chunks = await digestList(request, HAVE_MAX_CHUNKS);
  const claim = await snapshotStore(deps.env, row.employeeId).claim(chunks, deps.now());
  return { missing: claim.missing };
}

export async function receivePack(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
  request: Request,
): Promise<IngestResult> {
  const row = await snapshotForNode(deps, nodeId, snapshotId, "upload");
  if (Number(request.headers.get("content-length") ?? "0") > PACK_MAX_BYTES)
    throw new ApiError(413, "body_too_large", `A pack may be at most ${PACK_MAX_BYTES} bytes.`);
  if (!request.body) throw new ApiError(400, "invalid_frame", "Send the chunk frames as the body.");
  const body = request.body;
  const result = await mapped(() =>
    ingestPack(
      deps.env,
      { accountId: row.accountId, employeeId: row.employeeId, snapshotId: row.id },
      body,
      deps.now(),
    ),
  );
  deps.log.info("snapshot pack stored", { snapshotId, employeeId: row.employeeId, ...result });
  return result;
}

export async function putManifest(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
  request: Request,
): Promise<Completion> {
  const row = await snapshotForNode(deps, nodeId, snapshotId, "upload");
  const bytes = await readBodyCapped(
    request,
    SNAPSHOT_MANIFEST_MAX_BYTES,
    () =>
      new ApiError(
        413,
        "body_too_large",
        `A manifest may be at most ${SNAPSHOT_MANIFEST_MAX_BYTES} bytes.`,
      ),
    async (body) => new Uint8Array(await new Response(body).arrayBuffer()),
  );
  const done = await mapped(() => completeFromManifest(deps.env, row, bytes, deps.now()));
  if (done.ok) deps.log.info("snapshot complete", { snapshotId, employeeId: row.employeeId });
  return done;
}

export async function getManifest(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
): Promise<Response> {
  const row = await snapshotForNode(deps, nodeId, snapshotId, "download");
  const read = await mapped(() => readManifest(deps.env, row));
  if (!read.ok) {
    deps.log.error("snapshot corrupt", {
      snapshotId,
      employeeId: row.employeeId,
      why: read.message,
    });
    throw new ApiError(409, "snapshot_corrupt", read.message);
  }
  return new Response(read.bytes, {
    headers: {
      "content-type": "application/json",
      "x-manifest-sha256": read.manifestSha256,
    },
  });
}

export async function fetchChunks(
  deps: Deps,
  nodeId: string,
  snapshotId: string,
  request: Request,
): Promise<Response> {
  const row = await snapshotForNode(deps, nodeId, snapshotId, "download");
  const chunks = await digestList(request, FETCH_MAX_CHUNKS);
  const stream = await mapped(() => chunkStream(deps.env, row, chunks));
  return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
}
