import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { employees, type KnowledgeFileRow, knowledgeFiles, TEAM_FOLDER } from "../../db/schema.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { employeeStub } from "../objects/stubs.ts";
import { accountById } from "../store/accounts.ts";
import { refuseWhileDeletionScheduled } from "./account-state.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";
import { KNOWLEDGE_UPLOADS_PER_USER } from "./rate-limits.ts";
import { checkUploadedFile, invalidFile, readUploadedFiles } from "./upload-form.ts";

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
export const MAX_FILES_PER_FOLDER = 200;
export const MAX_ACCOUNT_BYTES = 250 * 1024 * 1024;
// What multipart framing may add to MAX_UPLOAD_BYTES of files: part headers with their names.
export const MULTIPART_OVERHEAD_BYTES = 256 * 1024;
export const MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES;

/** An employee's own folder, or the team's. */
export type Folder = { kind: "employee"; employeeId: string } | { kind: "team" };
const folderKey = (f: Folder) => (f.kind === "team" ? TEAM_FOLDER : f.employeeId);

export interface KnowledgeFileView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  scope: "employee" | "team";
  createdAt: string;
}

const toView = (r: KnowledgeFileRow): KnowledgeFileView => ({
  id: r.id,
  name: r.name,
  size: r.size,
  contentType: r.contentType,
  scope: r.folder === TEAM_FOLDER ? "team" : "employee",
  createdAt: new Date(r.createdAt).toISOString(),
});

// Any member reads the knowledge base; changing it is for admins (the team's folder:
// knowledge.manage; an employee's: employees.manage, which covers its settings and knowledge).
const rightTo = (change: boolean, folder: Folder) =>
  !change ? "employees.use" : folder.kind === "team" ? "knowledge.manage" : "employees.manage";

// The folder is the actor's account's (an employee's folder: 404 for another account's
// employee, so a stranger never learns it exists), then the role may act on it (403).
async function ensureFolder(
  deps: Deps,
  actor: Actor,
  folder: Folder,
  change: boolean,
): Promise<void> {
  if (folder.kind === "employee") await ownedEmployee(deps, actor.accountId, folder.employeeId);
  requireRight(actor, rightTo(change, folder));
}

const auditTarget = (folder: Folder) =>
  folder.kind === "team"
    ? { type: "knowledge", id: TEAM_FOLDER }
    : { type: "employee", id: folder.employeeId };

export async function listKnowledge(
  deps: Deps,
  actor: Actor,
  folder: Folder,
): Promise<KnowledgeFileView[]> {
  await ensureFolder(deps, actor, folder, false);
  const accountId = actor.accountId;
  const rows = await deps.db
    .select()
    .from(knowledgeFiles)
    .where(
      and(eq(knowledgeFiles.accountId, accountId), eq(knowledgeFiles.folder, folderKey(folder))),
    )
    .orderBy(asc(knowledgeFiles.name));
  return rows.map(toView);
}

const invalid = invalidFile;

/** An upload read and checked whole, not yet stored. */
export interface PreparedUpload {
  folder: Folder;
  files: { name: string; contentType: string; bytes: ArrayBuffer }[];
  total: number;
}

const uploadTooLarge = () =>
  new ApiError(
    413,
    "upload_too_large",
    `Upload at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB at once.`,
  );

// Everything is checked before anything is stored, so a bad file in a batch stores none of it,
// and before the request counts against the person's upload limit (storeUpload takes it). The
// folder and the role are checked before the body is read at all; the body is read as a stream
// and cut at MAX_UPLOAD_BODY_BYTES whatever its Content-Length says.
export async function prepareUpload(
  deps: Deps,
  actor: Actor,
  folder: Folder,
  request: Request,
): Promise<PreparedUpload> {
  await ensureFolder(deps, actor, folder, true);
  const accountId = actor.accountId;
  // The purge deletes the account's knowledge by prefix: a file landing during the grace could
  // outlive it, and nothing sweeps knowledge of vanished accounts.
  const account = await accountById(deps.db, accountId);
  if (!account) throw notFound("team");
  refuseWhileDeletionScheduled(account, "No files can be uploaded");
  const files = await readUploadedFiles(request, MAX_UPLOAD_BODY_BYTES, uploadTooLarge);

  const prepared: PreparedUpload["files"] = [];
  let total = 0;
  for (const [i, f] of files.entries()) {
    const named = checkUploadedFile(f, i, MAX_FILE_BYTES);
    if (prepared.some((p) => p.name === named.name))
      throw invalid(`Two files are named ${named.name}.`);
    total += f.size;
    if (total > MAX_UPLOAD_BYTES) throw uploadTooLarge();
    prepared.push({
      name: named.name,
      contentType: named.contentType,
      bytes: await f.arrayBuffer(),
    });
  }
  await checkRoom(deps, accountId, folder, prepared, total);
  return { folder, files: prepared, total };
}

async function checkRoom(
  deps: Deps,
  accountId: string,
  folder: Folder,
  prepared: PreparedUpload["files"],
  total: number,
): Promise<void> {
  const key = folderKey(folder);
  const existing = await deps.db
    .select({ name: knowledgeFiles.name, size: knowledgeFiles.size, folder: knowledgeFiles.folder })
    .from(knowledgeFiles)
    .where(eq(knowledgeFiles.accountId, accountId));
  const replaced = new Set(
    existing
      .filter((e) => e.folder === key && prepared.some((p) => p.name === e.name))
      .map((e) => e.name),
  );
  const inFolder = existing.filter((e) => e.folder === key).length;
  if (inFolder - replaced.size + prepared.length > MAX_FILES_PER_FOLDER)
    throw new ApiError(
      409,
      "too_many_files",
      `A folder holds at most ${MAX_FILES_PER_FOLDER} files.`,
    );
  const used = existing
    .filter((e) => !(e.folder === key && replaced.has(e.name)))
    .reduce((n, e) => n + e.size, 0);
  if (used + total > MAX_ACCOUNT_BYTES)
    throw new ApiError(
      409,
      "storage_full",
      `Your knowledge base holds at most ${MAX_ACCOUNT_BYTES / 1024 / 1024} MB. Delete files to make room.`,
    );
}

export async function storeUpload(
  deps: Deps,
  actor: Actor,
  upload: PreparedUpload,
): Promise<KnowledgeFileView[]> {
  // Only an upload that can be stored counts: a flood of malformed, oversized or foreign uploads
  // cannot lock the person out of their own.
  await deps.limits.take(KNOWLEDGE_UPLOADS_PER_USER, actor.userId);
  const accountId = actor.accountId;
  const { folder, files: prepared, total } = upload;
  const key = folderKey(folder);
  const now = deps.now();
  const rows: KnowledgeFileRow[] = [];
  for (const p of prepared) {
    const id = crypto.randomUUID();
    const sha256 = encodeHexLowerCase(
      new Uint8Array(await crypto.subtle.digest("SHA-256", p.bytes)),
    );
    const r2Key = `knowledge/${accountId}/${id}`;
    // Bytes first: a row never points at an object that is not there.
    await deps.env.KNOWLEDGE.put(r2Key, p.bytes, {
      httpMetadata: { contentType: p.contentType },
      customMetadata: { accountId, folder: key },
    });
    rows.push({
      id,
      accountId,
      folder: key,
      name: p.name,
      contentType: p.contentType,
      size: p.bytes.byteLength,
      sha256,
      r2Key,
      createdAt: now,
    });
  }
  // A file of the same name is replaced: its row goes in the same batch, and the delete itself
  // says which objects it let go of, so exactly those are removed after.
  const [replacedRows] = await deps.db.batch([
    deps.db
      .delete(knowledgeFiles)
      .where(
        and(
          eq(knowledgeFiles.accountId, accountId),
          eq(knowledgeFiles.folder, key),
          inArray(
            knowledgeFiles.name,
            rows.map((r) => r.name),
          ),
        ),
      )
      .returning({ r2Key: knowledgeFiles.r2Key }),
    deps.db.insert(knowledgeFiles).values(rows),
  ]);
  if (replacedRows.length) await deps.env.KNOWLEDGE.delete(replacedRows.map((o) => o.r2Key));
  deps.log.info("knowledge uploaded", { folder: key, files: rows.length, bytes: total });
  await recordAudit(deps, actor, "knowledge.upload", auditTarget(folder), {
    files: rows.map((r) => ({ id: r.id, name: r.name, size: r.size })),
    replaced: replacedRows.length,
  });
  await syncAfterChange(deps, accountId, folder);
  return rows.map(toView);
}

async function ownedFile(
  deps: Deps,
  actor: Actor,
  folder: Folder,
  fileId: string,
  change: boolean,
) {
  const accountId = actor.accountId;
  if (folder.kind === "employee") await ownedEmployee(deps, accountId, folder.employeeId);
  const row = await deps.db
    .select()
    .from(knowledgeFiles)
    .where(
      and(
        eq(knowledgeFiles.id, fileId),
        eq(knowledgeFiles.accountId, accountId),
        eq(knowledgeFiles.folder, folderKey(folder)),
      ),
    )
    .get();
  if (!row) throw notFound("file");
  requireRight(actor, rightTo(change, folder));
  return row;
}

export async function downloadKnowledge(
  deps: Deps,
  actor: Actor,
  folder: Folder,
  fileId: string,
): Promise<Response> {
  return serveFile(deps, await ownedFile(deps, actor, folder, fileId, false), true);
}

export async function deleteKnowledge(
  deps: Deps,
  actor: Actor,
  folder: Folder,
  fileId: string,
): Promise<void> {
  const row = await ownedFile(deps, actor, folder, fileId, true);
  await deps.db.delete(knowledgeFiles).where(eq(knowledgeFiles.id, row.id));
  await deps.env.KNOWLEDGE.delete(row.r2Key);
  deps.log.info("knowledge deleted", { folder: row.folder, fileId });
  await recordAudit(deps, actor, "knowledge.delete", auditTarget(folder), {
    file: { id: row.id, name: row.name },
  });
  await syncAfterChange(deps, actor.accountId, folder);
}

/** A node agent fetching a file it was told to sync: only for employees placed on that node. */
export async function fileForNode(deps: Deps, nodeId: string, fileId: string): Promise<Response> {
  const row = await deps.db
    .select()
    .from(knowledgeFiles)
    .where(eq(knowledgeFiles.id, fileId))
    .get();
  if (!row) throw notFound("file");
  const placed = await deps.db
    .select({ n: sql<number>`count(*)` })
    .from(employees)
    .where(
      and(
        eq(employees.nodeId, nodeId),
        row.folder === TEAM_FOLDER
          ? eq(employees.accountId, row.accountId)
          : eq(employees.id, row.folder),
      ),
    )
    .get();
  if (!placed?.n) throw notFound("file");
  return serveFile(deps, row, false);
}

async function serveFile(
  deps: Deps,
  row: KnowledgeFileRow,
  attachment: boolean,
): Promise<Response> {
  const object = await deps.env.KNOWLEDGE.get(row.r2Key);
  if (!object) {
    deps.log.error("knowledge object missing", { fileId: row.id });
    throw notFound("file");
  }
  return new Response(object.body, {
    headers: {
      "content-type": row.contentType,
      "content-length": String(row.size),
      // Never rendered in our origin: a customer's HTML file is data, not a page of ours.
      "content-disposition": `${attachment ? "attachment" : "inline"}; filename*=UTF-8''${encodeURIComponent(row.name)}`,
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox",
      "cache-control": "private, no-store",
    },
  });
}

async function syncAfterChange(deps: Deps, accountId: string, folder: Folder): Promise<void> {
  const ids =
    folder.kind === "employee"
      ? [folder.employeeId]
      : (
          await deps.db
            .select({ id: employees.id })
            .from(employees)
            .where(eq(employees.accountId, accountId))
        ).map((r) => r.id);
  await Promise.all(
    ids.map((id) =>
      employeeStub(deps.env, id)
        .syncKnowledge()
        .catch((err: unknown) =>
          deps.log.warn("knowledge sync could not be queued", {
            employeeId: id,
            err,
          }),
        ),
    ),
  );
}
