import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { employees } from "../../db/schema.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { parseWith, readBodyCapped } from "../http/validate.ts";
import { errorFields } from "../log/logger.ts";
import { WORKSPACE_EXPORT_MAX_BYTES } from "../protocol/frames.ts";
import { accountById } from "../store/accounts.ts";
import {
  accountExportsPrefix,
  accountsWithExports,
  deleteExport,
  listExports,
  putWorkspace,
  putWorkspaceError,
  readManifest,
} from "../store/exports.ts";
import { deleteR2Prefix } from "../store/r2-objects.ts";
import { type Defer, EXPORT_KEEP_MS, finishIfComplete } from "./account-export.ts";
import type { Deps } from "./deps.ts";

// The nodes' side of an export and the cron's. A node uploads the workspace it was asked for
// (PUT /agent/exports/:exportId/:employeeId): only for an employee placed on it, only for an
// export still waiting for that employee, and only within WORKSPACE_EXPORT_MAX_BYTES; or it says
// why it cannot (a JSON {error}). The cron makes the zips whose wait is over, takes over stale
// assemblies, and deletes exports past their keep (and any of an account that no longer exists).

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WORKSPACE_ERROR_MAX_BYTES = 4096;
const WorkspaceError = z.strictObject({ error: z.string().min(1).max(500) });
/** Zips one cron run makes at most; the rest wait for the next run. */
export const EXPORT_CRON_ASSEMBLIES = 2;

export async function receiveWorkspace(
  deps: Deps,
  nodeId: string,
  exportId: string,
  employeeId: string,
  request: Request,
  defer: Defer,
): Promise<void> {
  if (!ID.test(exportId) || !ID.test(employeeId)) throw notFound("export");
  const placed = await deps.db
    .select({ accountId: employees.accountId })
    .from(employees)
    .where(and(eq(employees.id, employeeId), eq(employees.nodeId, nodeId)))
    .get();
  if (!placed) throw notFound("employee");
  const { accountId } = placed;
  const bucket = deps.env.KNOWLEDGE;
  const read = await readManifest(bucket, accountId, exportId);
  if (!read?.manifest.awaited.some((a) => a.employeeId === employeeId)) throw notFound("export");
  if (read.manifest.state !== "preparing")
    throw new ApiError(409, "invalid_state", "The export no longer waits for workspaces.");

  const type = request.headers.get("content-type") ?? "";
  if (/^application\/json\b/i.test(type)) {
    const text = await readBodyCapped(
      request,
      WORKSPACE_ERROR_MAX_BYTES,
      () => new ApiError(413, "body_too_large", "Say why in at most 4 KB."),
      (body) => new Response(body).text(),
    );
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
    }
    const { error } = parseWith(WorkspaceError, value, "request");
    await putWorkspaceError(bucket, accountId, exportId, employeeId, error);
  } else if (/^application\/(gzip|x-gzip|octet-stream)$/i.test(type)) {
    const length = Number(request.headers.get("content-length") ?? Number.NaN);
    if (!Number.isInteger(length) || length <= 0 || !request.body)
      throw new ApiError(400, "invalid_request", "Send the archive with its Content-Length.");
    if (length > WORKSPACE_EXPORT_MAX_BYTES)
      throw new ApiError(
        413,
        "body_too_large",
        `A workspace archive may be at most ${WORKSPACE_EXPORT_MAX_BYTES} bytes.`,
      );
    try {
      await putWorkspace(bucket, accountId, exportId, employeeId, request.body, length);
    } catch (err) {
      deps.log.warn("workspace upload not stored", { employeeId, exportId, ...errorFields(err) });
      throw new ApiError(400, "invalid_request", "The archive did not arrive whole.");
    }
  } else {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the archive as application/gzip, or {error} as application/json.",
    );
  }
  deps.log.info("workspace received for an export", { employeeId, exportId, accountId });
  defer(finishIfComplete(deps, accountId, exportId));
}

/** The cron's part: zips whose wait is over, stale assemblies, and exports past their keep. */
export async function runExportCron(
  deps: Deps,
  now: number,
): Promise<{ assembled: number; deleted: number }> {
  const bucket = deps.env.KNOWLEDGE;
  let assembled = 0;
  let deleted = 0;
  for (const accountId of await accountsWithExports(bucket)) {
    if (!(await accountById(deps.db, accountId))) {
      // The account was deleted while an export was under way: nothing of it may stay.
      deleted += await deleteR2Prefix(bucket, accountExportsPrefix(accountId));
      continue;
    }
    for (const e of await listExports(bucket, accountId)) {
      if (e.createdAt + EXPORT_KEEP_MS <= now) {
        await deleteExport(bucket, accountId, e.id);
        deleted++;
      } else if (
        (e.state === "preparing" || e.state === "assembling") &&
        assembled < EXPORT_CRON_ASSEMBLIES &&
        (await finishIfComplete(deps, accountId, e.id, now))
      )
        assembled++;
    }
  }
  if (assembled || deleted) deps.log.info("exports cron", { assembled, deleted });
  return { assembled, deleted };
}
