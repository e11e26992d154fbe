import { and, eq, isNotNull } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { ACCOUNT_EXPORT_KEEP_DAYS } from "../contract/account-lifecycle.ts";
import type { ExportView } from "../contract/endpoints.ts";
import { can } from "../contract/team.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { nodeStub } from "../objects/stubs.ts";
import {
  deleteWorkspaces,
  type ExportManifest,
  exportZipKey,
  type ListedExport,
  listExports,
  putWorkspaceError,
  readManifest,
  workspacesReceived,
  writeManifest,
} from "../store/exports.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { buildExportZip } from "./export-archive.ts";
import { EXPORTS_PER_ACCOUNT } from "./rate-limits.ts";

// The account export (owner only): POST /api/account/export records an export and asks the node
// of every running employee for its workspace (`workspace.export`); each node uploads it
// (receiveWorkspace). Once every workspace is in, or EXPORT_WAIT_MS has passed, the zip is made
// off the request path (waitUntil after the last upload, or the cron) by whoever claims the
// manifest first; GET /api/account/exports lists exports, and the zip is downloaded from
// /api/account/exports/:id/download until the cron deletes it after ACCOUNT_EXPORT_KEEP_DAYS.

const DAY_MS = 86_400_000;
/** How long an export waits for the running employees' workspaces. */
export const EXPORT_WAIT_MS = 10 * 60_000;
/** An assembly claimed this long ago and not finished (its worker died) is taken over. */
export const EXPORT_ASSEMBLY_STALE_MS = 20 * 60_000;
export const EXPORT_KEEP_MS = ACCOUNT_EXPORT_KEEP_DAYS * DAY_MS;

/** Work that continues after the answer (the route's waitUntil). */
export type Defer = (work: Promise<unknown>) => void;

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const downloadPath = (exportId: string) => `/api/account/exports/${exportId}/download`;

function viewOf(e: ListedExport): ExportView {
  const ready = e.state === "ready";
  return {
    id: e.id,
    status: e.state === "assembling" ? "preparing" : e.state,
    createdAt: new Date(e.createdAt).toISOString(),
    size: ready ? e.size : null,
    downloadUrl: ready ? downloadPath(e.id) : null,
    error: e.state === "failed" ? (e.error ?? "The export could not be made.") : null,
  };
}

const listedOf = (m: ExportManifest): ListedExport => ({
  id: m.id,
  state: m.state,
  createdAt: m.createdAt,
  size: m.size,
  error: m.error,
});

const inProgress = (e: ListedExport) => e.state === "preparing" || e.state === "assembling";

export async function startExport(deps: Deps, actor: Actor, defer: Defer): Promise<ExportView> {
  requireRight(actor, "account.own");
  const bucket = deps.env.KNOWLEDGE;
  if ((await listExports(bucket, actor.accountId)).some(inProgress))
    throw new ApiError(409, "invalid_state", "An export is already being prepared.");
  await deps.limits.take(EXPORTS_PER_ACCOUNT, actor.accountId);
  const now = deps.now();
  const running = await deps.db
    .select({ id: employees.id, name: employees.name, nodeId: employees.nodeId })
    .from(employees)
    .where(
      and(
        eq(employees.accountId, actor.accountId),
        eq(employees.status, "running"),
        isNotNull(employees.nodeId),
      ),
    )
    .all();
  const manifest: ExportManifest = {
    id: crypto.randomUUID(),
    accountId: actor.accountId,
    state: "preparing",
    createdAt: now,
    requestedBy: actor.userId,
    awaited: running.map((e) => ({ employeeId: e.id, name: e.name })),
    waitUntil: now + EXPORT_WAIT_MS,
    claimedAt: null,
    size: null,
    error: null,
  };
  await writeManifest(bucket, manifest);
  for (const e of running) {
    try {
      await nodeStub(deps.env, e.nodeId as string).dispatch({
        type: "workspace.export",
        id: crypto.randomUUID(),
        employeeId: e.id,
        exportId: manifest.id,
      });
    } catch (err) {
      deps.log.warn("workspace export not queued", { employeeId: e.id, ...errorFields(err) });
      await putWorkspaceError(
        bucket,
        manifest.accountId,
        manifest.id,
        e.id,
        "its server could not be asked for it",
      );
    }
  }
  await recordAudit(
    deps,
    actor,
    "account.export",
    { type: "export", id: manifest.id },
    {
      workspaces: running.length,
    },
  );
  deps.log.info("account export started", { exportId: manifest.id, workspaces: running.length });
  defer(finishIfComplete(deps, manifest.accountId, manifest.id));
  return viewOf(listedOf(manifest));
}

export async function listAccountExports(deps: Deps, actor: Actor): Promise<ExportView[]> {
  requireRight(actor, "account.own");
  const now = deps.now();
  return (await listExports(deps.env.KNOWLEDGE, actor.accountId))
    .filter((e) => e.createdAt + EXPORT_KEEP_MS > now)
    .map(viewOf);
}

/** The zip, to its owner; anyone else (another role, another account) is told it does not exist. */
export async function downloadExport(
  deps: Deps,
  actor: Actor,
  exportId: string,
): Promise<Response> {
  if (!can(actor.role, "account.own") || !ID.test(exportId)) throw notFound("export");
  const read = await readManifest(deps.env.KNOWLEDGE, actor.accountId, exportId);
  const m = read?.manifest;
  if (!m || m.createdAt + EXPORT_KEEP_MS <= deps.now()) throw notFound("export");
  if (m.state !== "ready")
    throw new ApiError(409, "invalid_state", "The export is not ready to download.");
  const zip = await deps.env.KNOWLEDGE.get(exportZipKey(m.accountId, m.id));
  if (!zip) throw notFound("export");
  const date = new Date(m.createdAt).toISOString().slice(0, 10);
  return new Response(zip.body, {
    headers: {
      "content-type": "application/zip",
      "content-length": String(zip.size),
      "content-disposition": `attachment; filename="instantworker-export-${date}.zip"`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    },
  });
}

/**
 * Makes the zip once every awaited workspace is in or the wait is over (or, with `takeOver`, an
 * assembly that went stale). The manifest is claimed by a conditional write, so exactly one
 * worker assembles; the others return.
 */
export async function finishIfComplete(
  deps: Deps,
  accountId: string,
  exportId: string,
  now = deps.now(),
): Promise<boolean> {
  const bucket = deps.env.KNOWLEDGE;
  const read = await readManifest(bucket, accountId, exportId);
  if (!read) return false;
  const { manifest, etag } = read;
  const stale =
    manifest.state === "assembling" && (manifest.claimedAt ?? 0) + EXPORT_ASSEMBLY_STALE_MS <= now;
  if (manifest.state !== "preparing" && !stale) return false;
  const received = await workspacesReceived(bucket, accountId, exportId);
  const complete = manifest.awaited.every((a) => received.has(a.employeeId));
  if (!complete && now < manifest.waitUntil && !stale) return false;
  const claimed: ExportManifest = { ...manifest, state: "assembling", claimedAt: now };
  const claimTag = await writeManifest(bucket, claimed, etag);
  if (!claimTag) return false;
  const log = deps.log.child({ accountId, exportId });
  const started = Date.now();
  try {
    const size = await buildExportZip(deps, claimed, received, exportZipKey(accountId, exportId));
    if (await writeManifest(bucket, { ...claimed, state: "ready", size }, claimTag))
      await deleteWorkspaces(bucket, accountId, exportId);
    log.info("account export ready", { bytes: size, ms: Date.now() - started });
  } catch (err) {
    log.error("account export failed", errorFields(err));
    await writeManifest(
      bucket,
      { ...claimed, state: "failed", error: "The export could not be made. Start a new one." },
      claimTag,
    );
  }
  return true;
}
