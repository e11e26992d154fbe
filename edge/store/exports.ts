import { deleteR2Prefix } from "./r2-objects.ts";

// Account exports live in R2 only (bucket KNOWLEDGE), under one prefix per account:
//
//   exports/<accountId>/<exportId>.json                         the manifest (state below)
//   exports/<accountId>/<exportId>/workspaces/<employeeId>.tgz  a workspace a node uploaded
//   exports/<accountId>/<exportId>/workspaces/<employeeId>.err  why a node could not send it
//   exports/<accountId>/<exportId>/account-export.zip           the export, once ready
//
// The manifest is the export's one record. It is rewritten only with R2's conditional put on the
// etag it was read with, so two workers finishing at once (the last upload and the cron) cannot
// both claim the zip's assembly. Listing an account's manifests is one list call: what the API
// shows rides in their custom metadata.

export type ExportState = "preparing" | "assembling" | "ready" | "failed";

export interface AwaitedWorkspace {
  employeeId: string;
  name: string;
}

export interface ExportManifest {
  id: string;
  accountId: string;
  state: ExportState;
  createdAt: number;
  /** Who asked (a user id), for the log. */
  requestedBy: string | null;
  /** Running employees whose node was asked for their workspace. */
  awaited: AwaitedWorkspace[];
  /** Until then the zip waits for workspaces; then it is made with those that arrived. */
  waitUntil: number;
  /** When the zip's assembly was claimed (state `assembling`). */
  claimedAt: number | null;
  size: number | null;
  error: string | null;
}

export interface ListedExport {
  id: string;
  state: ExportState;
  createdAt: number;
  size: number | null;
  error: string | null;
}

const ERROR_MAX_CHARS = 300;

export const accountExportsPrefix = (accountId: string) => `exports/${accountId}/`;
export const exportDataPrefix = (accountId: string, exportId: string) =>
  `exports/${accountId}/${exportId}/`;
const manifestKey = (accountId: string, exportId: string) =>
  `exports/${accountId}/${exportId}.json`;
export const exportZipKey = (accountId: string, exportId: string) =>
  `${exportDataPrefix(accountId, exportId)}account-export.zip`;
const workspacesPrefix = (accountId: string, exportId: string) =>
  `${exportDataPrefix(accountId, exportId)}workspaces/`;
const workspaceKey = (accountId: string, exportId: string, employeeId: string) =>
  `${workspacesPrefix(accountId, exportId)}${employeeId}.tgz`;
const workspaceErrorKey = (accountId: string, exportId: string, employeeId: string) =>
  `${workspacesPrefix(accountId, exportId)}${employeeId}.err`;

function metadataOf(m: ExportManifest): Record<string, string> {
  return {
    state: m.state,
    createdAt: String(m.createdAt),
    ...(m.size === null ? {} : { size: String(m.size) }),
    ...(m.error === null ? {} : { error: m.error.slice(0, ERROR_MAX_CHARS) }),
  };
}

const STATES: readonly string[] = ["preparing", "assembling", "ready", "failed"];

function listedOf(key: string, meta: Record<string, string> | undefined): ListedExport | null {
  const id = /\/([^/]+)\.json$/.exec(key)?.[1];
  const state = meta?.state;
  if (!id || !state || !STATES.includes(state)) return null;
  return {
    id,
    state: state as ExportState,
    createdAt: Number(meta.createdAt ?? 0),
    size: meta.size === undefined ? null : Number(meta.size),
    error: meta.error ?? null,
  };
}

/**
 * Writes the manifest: unconditionally for a new export (`etag` undefined), else only if it is
 * still the version read with `etag`. Its new etag; null when another writer got there first.
 */
export async function writeManifest(
  bucket: R2Bucket,
  m: ExportManifest,
  etag?: string,
): Promise<string | null> {
  const written = await bucket.put(manifestKey(m.accountId, m.id), JSON.stringify(m), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: metadataOf(m),
    ...(etag === undefined ? {} : { onlyIf: { etagMatches: etag } }),
  });
  return written?.etag ?? null;
}

export async function readManifest(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
): Promise<{ manifest: ExportManifest; etag: string } | null> {
  const object = await bucket.get(manifestKey(accountId, exportId));
  if (!object) return null;
  return { manifest: (await object.json()) as ExportManifest, etag: object.etag };
}

/** The account's exports as listed (newest first), from the manifests' metadata. */
export async function listExports(bucket: R2Bucket, accountId: string): Promise<ListedExport[]> {
  const out: ListedExport[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: accountExportsPrefix(accountId),
      delimiter: "/",
      include: ["customMetadata"],
      ...(cursor ? { cursor } : {}),
    });
    for (const o of page.objects) {
      const listed = listedOf(o.key, o.customMetadata);
      if (listed) out.push(listed);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

/** Every account that has exports, for the cron. */
export async function accountsWithExports(bucket: R2Bucket): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: "exports/",
      delimiter: "/",
      ...(cursor ? { cursor } : {}),
    });
    for (const p of page.delimitedPrefixes) {
      const id = /^exports\/([^/]+)\/$/.exec(p)?.[1];
      if (id) ids.push(id);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return ids;
}

/** Deletes one export: its data, then its manifest (so a half-deleted one is still listed). */
export async function deleteExport(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
): Promise<void> {
  await deleteR2Prefix(bucket, exportDataPrefix(accountId, exportId));
  await bucket.delete(manifestKey(accountId, exportId));
}

/** The uploaded workspaces, once they are in the zip (or the export failed): no second copy. */
export async function deleteWorkspaces(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
): Promise<void> {
  await deleteR2Prefix(bucket, workspacesPrefix(accountId, exportId));
}

export async function putWorkspace(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
  employeeId: string,
  body: ReadableStream<Uint8Array>,
  length: number,
): Promise<void> {
  // Exactly `length` bytes or the put fails: a body longer or shorter than declared is refused
  // (the pipe's own failure is that same one, seen by the put).
  const sized = new FixedLengthStream(length);
  body.pipeTo(sized.writable).catch(() => undefined);
  await bucket.put(workspaceKey(accountId, exportId, employeeId), sized.readable, {
    httpMetadata: { contentType: "application/gzip" },
  });
}

export async function putWorkspaceError(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
  employeeId: string,
  message: string,
): Promise<void> {
  await bucket.put(workspaceErrorKey(accountId, exportId, employeeId), message.slice(0, 500), {
    httpMetadata: { contentType: "text/plain; charset=utf-8" },
  });
}

export type WorkspaceOutcome =
  | { kind: "archive"; key: string; size: number }
  | { kind: "error"; message: string };

/** What the nodes sent so far, by employee id. */
export async function workspacesReceived(
  bucket: R2Bucket,
  accountId: string,
  exportId: string,
): Promise<Map<string, WorkspaceOutcome>> {
  const received = new Map<string, WorkspaceOutcome>();
  const page = await bucket.list({ prefix: workspacesPrefix(accountId, exportId), limit: 1000 });
  for (const o of page.objects) {
    const m = /\/([^/]+)\.(tgz|err)$/.exec(o.key);
    if (!m?.[1]) continue;
    if (m[2] === "tgz") received.set(m[1], { kind: "archive", key: o.key, size: o.size });
    else if (!received.has(m[1])) {
      const text = await (await bucket.get(o.key))?.text();
      received.set(m[1], { kind: "error", message: text ?? "unknown" });
    }
  }
  return received;
}
