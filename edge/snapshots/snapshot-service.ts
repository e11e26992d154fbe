import type { SnapshotRow } from "../../db/schema.ts";
import type { Env } from "../env.ts";
import { parseSnapshotManifest, type SnapshotManifest } from "../protocol/snapshot-manifest.ts";
import { HAVE_MAX_CHUNKS, toHex } from "../protocol/snapshot-wire.ts";
import {
  completeSnapshot,
  deleteSnapshotRows,
  getSnapshot,
  markSnapshotCorrupt,
  markSnapshotsDeleted,
} from "../store/snapshots.ts";
import { manifestName, open, SnapshotCryptoError, seal } from "./snapshot-crypto.ts";
import { SnapshotError } from "./snapshot-error.ts";
import { accountDataKey } from "./snapshot-keys.ts";
import { manifestKey, snapshotStore } from "./snapshot-store-stub.ts";

// The snapshot store's verbs over a catalogue row (D1 `snapshots`), for the agent's routes and
// the lifecycle (EmployeeDO): complete a snapshot from its manifest, read a manifest back, verify
// a snapshot before a restore is accepted, forget a skipped one. No HTTP here: refusals are
// SnapshotErrors (routes) or result values (the objects).

/** Missing chunks named in a snapshot_incomplete answer. */
export const MISSING_LISTED = 100;

const sha256Hex = async (bytes: Uint8Array) =>
  toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));

const ownerOf = (row: SnapshotRow) => ({ accountId: row.accountId, employeeId: row.employeeId });

function chunksOf(manifest: SnapshotManifest): string[] {
  const all = new Set<string>();
  for (const e of manifest.entries) if (e.type === "file") for (const c of e.chunks) all.add(c);
  return [...all];
}

/** Claims every chunk (in batches); which are missing, and the packs holding the rest. */
async function claimAll(env: Env, employeeId: string, shas: string[], now: number) {
  const store = snapshotStore(env, employeeId);
  const missing: string[] = [];
  const packs = new Set<string>();
  for (let i = 0; i < shas.length; i += HAVE_MAX_CHUNKS) {
    const claim = await store.claim(shas.slice(i, i + HAVE_MAX_CHUNKS), now);
    missing.push(...claim.missing);
    for (const p of claim.packs) packs.add(p);
  }
  return { missing, packs: [...packs] };
}

export type Completion =
  | { ok: true; manifestSha256: string }
  | { ok: false; code: "snapshot_incomplete"; message: string; missing: string[] };

/**
 * The manifest PUT: every chunk it names must be stored; then it is sealed into R2, the packs it
 * uses gain a reference, and the row becomes complete with its sizes and digest (the SHA-256 of
 * the bytes received), and the employee's last_snapshot_at moves to its time.
 */
export async function completeFromManifest(
  env: Env,
  row: SnapshotRow,
  bytes: Uint8Array,
  now: number,
): Promise<Completion> {
  const parsed = parseSnapshotManifest(bytes);
  if (!parsed.ok) throw new SnapshotError(400, "invalid_manifest", parsed.error);
  const manifest = parsed.manifest;
  if (manifest.snapshotId !== row.id || manifest.employeeId !== row.employeeId)
    throw new SnapshotError(
      400,
      "invalid_manifest",
      "the manifest names another snapshot or employee",
    );
  const { missing, packs } = await claimAll(env, row.employeeId, chunksOf(manifest), now);
  if (missing.length > 0)
    return {
      ok: false,
      code: "snapshot_incomplete",
      message: `${missing.length} chunks the manifest names are not stored`,
      missing: missing.slice(0, MISSING_LISTED),
    };
  const manifestSha256 = await sha256Hex(bytes);
  const key = await accountDataKey(env, row.accountId, { create: true, now });
  const sealed = await seal(key, ownerOf(row), manifestName(row.id), bytes);
  await env.SNAPSHOTS.put(manifestKey(row.accountId, row.employeeId, row.id), sealed);
  const store = snapshotStore(env, row.employeeId);
  await store.addRefs(row.id, packs);
  const done = await completeSnapshot(
    env.DB,
    row,
    {
      logicalBytes: manifest.logicalBytes,
      storedBytes: await store.storedBytes(row.id),
      fileCount: manifest.entries.filter((e) => e.type === "file").length,
      manifestSha256,
      openclawVersion: manifest.openclawVersion,
      agentVersion: manifest.agentVersion,
      image: manifest.image,
    },
    now,
  );
  if (!done) {
    // Failed or discarded meanwhile (its timeout passed): it references nothing after all.
    await store.release(row.id);
    throw new SnapshotError(409, "snapshot_incomplete", "the snapshot is no longer open");
  }
  return { ok: true, manifestSha256 };
}

export type ManifestRead =
  | { ok: true; bytes: Uint8Array; manifestSha256: string }
  | { ok: false; code: "snapshot_corrupt"; message: string };

async function corrupt(env: Env, row: SnapshotRow, why: string): Promise<ManifestRead> {
  await markSnapshotCorrupt(env.DB, row.id, `snapshot_corrupt: ${why}`, Date.now());
  return { ok: false, code: "snapshot_corrupt", message: `The snapshot is corrupt: ${why}.` };
}

/** A complete snapshot's manifest bytes, opened and checked against the digest in D1. */
export async function readManifest(env: Env, row: SnapshotRow): Promise<ManifestRead> {
  const object = await env.SNAPSHOTS.get(manifestKey(row.accountId, row.employeeId, row.id));
  if (!object) return corrupt(env, row, "its manifest is missing");
  const key = await accountDataKey(env, row.accountId, { create: false, now: Date.now() });
  let bytes: Uint8Array;
  try {
    bytes = await open(
      key,
      ownerOf(row),
      manifestName(row.id),
      new Uint8Array(await object.arrayBuffer()),
    );
  } catch {
    return corrupt(env, row, "its manifest does not open");
  }
  const digest = await sha256Hex(bytes);
  if (digest !== row.manifestSha256) return corrupt(env, row, "its manifest digest differs");
  return { ok: true, bytes, manifestSha256: digest };
}

export type Verification =
  | { ok: true }
  | { ok: false; code: "not_found" | "snapshot_corrupt"; message: string };

/**
 * Before a restore is accepted: the row is complete, its manifest opens with the recorded digest
 * and every chunk it names is stored (and claimed, so no collection takes a pack meanwhile).
 * Cheap: the chunks' bytes are checked as the restore reads them.
 */
export async function verifySnapshot(env: Env, id: string): Promise<Verification> {
  const row = await getSnapshot(env.DB, id);
  if (row?.status !== "complete")
    return { ok: false, code: "not_found", message: "No complete snapshot with this id." };
  const read = await readManifest(env, row).catch(async (err) => {
    if (err instanceof SnapshotCryptoError && err.reason === "key_gone")
      return corrupt(env, row, "its account key is gone");
    throw err;
  });
  if (!read.ok) return read;
  const parsed = parseSnapshotManifest(read.bytes);
  if (!parsed.ok) return corrupt(env, row, "its manifest does not parse");
  const { missing, packs } = await claimAll(
    env,
    row.employeeId,
    chunksOf(parsed.manifest),
    Date.now(),
  );
  if (missing.length > 0) return corrupt(env, row, `${missing.length} of its chunks are missing`);
  // One HEAD per pack (a pack holds up to 64 MiB of chunks): a lost object is found before the
  // restore starts rather than halfway through it.
  for (const pack of packs)
    if (!(await env.SNAPSHOTS.head(pack))) return corrupt(env, row, "one of its packs is missing");
  return { ok: true };
}

/** A skipped scheduled snapshot: the row goes; whatever it uploaded is collected later. */
export async function discardSnapshot(env: Env, id: string): Promise<boolean> {
  const row = await getSnapshot(env.DB, id);
  if (!row || row.status === "complete") return false;
  await markSnapshotsDeleted(env.DB, [id]);
  await snapshotStore(env, row.employeeId).release(id);
  await deleteSnapshotRows(env.DB, [id]);
  return true;
}
