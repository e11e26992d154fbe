import { TEAM_FOLDER } from "../../db/schema.ts";
import { type CsvCell, csvRow } from "../export/csv.ts";
import { readTarGz } from "../export/tar-reader.ts";
import { safeSegment } from "../export/zip-names.ts";
import { EXPORT_MAX_ZIP_BYTES, R2ZipWriter, ZIP_MAX_ENTRIES } from "../export/zip-writer.ts";
import { errorFields } from "../log/logger.ts";
import {
  type EmployeeRow,
  employeesOf,
  knowledgeOf,
  membersOf,
  subscriptionsOf,
  usageOf,
} from "../store/account-data.ts";
import { accountById } from "../store/accounts.ts";
import type { ExportManifest, WorkspaceOutcome } from "../store/exports.ts";
import { AUDIT_CSV_HEADER, allAuditEvents, auditCsvRow } from "./audit-query.ts";
import type { Deps } from "./deps.ts";

// What an account export's zip holds, written into R2 as it is read (R2ZipWriter):
//   account.json                      the account, its members and roles, its employees and their
//                                     settings, what each file below is, and what was left out
//   usage.csv                         every model request metered (llm_usage)
//   audit.csv                         the audit log, as GET /api/audit?format=csv writes it
//   knowledge/<team|employee>/<file>  the knowledge base's files, from R2
//   workspaces/<employee>/…           each running employee's workspace, as its node sent it
//   NOT-INCLUDED.txt                  only when the zip reached its number of entries: what is not in it
// Employee folders and knowledge files are named after what people called them (made safe).

export const EXPORT_FORMAT = "instantworker-account-export/1";
/** What one workspace may unpack to in the zip; the rest of it is left out, saying so. */
export const WORKSPACE_UNPACKED_MAX_BYTES = 512 * 1024 * 1024;
export const WORKSPACE_MAX_FILES = 20_000;
/** Entries before account.json and the note: a zip without ZIP64 counts at most 65,535. */
export const EXPORT_MAX_ENTRIES = ZIP_MAX_ENTRIES - 2;
export const NOT_INCLUDED_NOTE = "NOT-INCLUDED.txt";
// Room kept under the zip's limit for account.json and the central directory.
const ZIP_RESERVE_BYTES = 64 * 1024 * 1024;
// CSV rows are handed to the zip in chunks of about this size.
const CSV_CHUNK_CHARS = 64 * 1024;

export const NOT_RUNNING = "workspace not included: not running";

const encoder = new TextEncoder();

async function* csvChunks<T>(
  header: readonly string[],
  rows: AsyncIterable<T>,
  line: (row: T) => string,
): AsyncGenerator<Uint8Array> {
  let buffered = csvRow(header);
  for await (const row of rows) {
    buffered += line(row);
    if (buffered.length >= CSV_CHUNK_CHARS) {
      yield encoder.encode(buffered);
      buffered = "";
    }
  }
  if (buffered) yield encoder.encode(buffered);
}

// Names as a zip shows them as folders: made safe (zip-names.ts), unique without regard to case,
// and never "team" (the team's knowledge folder).
export function employeeFolders(team: readonly Pick<EmployeeRow, "id" | "name">[]) {
  const taken = new Set([TEAM_FOLDER]);
  const folders = new Map<string, string>();
  for (const e of team) {
    const base = safeSegment(e.name) || e.id;
    const name = taken.has(base.toLowerCase()) ? `${base} (${e.id.slice(0, 8)})` : base;
    taken.add(name.toLowerCase());
    folders.set(e.id, name);
  }
  return folders;
}

const USAGE_HEADER = [
  "created_at",
  "employee_id",
  "model",
  "prompt_tokens",
  "completion_tokens",
  "cost_micro_eur",
  "stream",
  "month",
  "id",
] as const;

/** Builds the export's zip at `key`; its size in bytes. */
export async function buildExportZip(
  deps: Deps,
  manifest: ExportManifest,
  received: ReadonlyMap<string, WorkspaceOutcome>,
  key: string,
  maxEntries = EXPORT_MAX_ENTRIES,
): Promise<number> {
  const { db } = deps;
  const bucket = deps.env.KNOWLEDGE;
  const account = await accountById(db, manifest.accountId);
  if (!account) throw new Error("the account no longer exists");
  const [members, team, files, subscriptions] = await Promise.all([
    membersOf(db, account.id),
    employeesOf(db, account.id),
    knowledgeOf(db, account.id),
    subscriptionsOf(db, account.id),
  ]);
  const folders = employeeFolders(team);
  const left: string[] = [];
  const roomFor = (bytes: number) => zip.written + bytes + ZIP_RESERVE_BYTES < EXPORT_MAX_ZIP_BYTES;
  let entriesFull = false;
  const entryRoom = () => {
    if (zip.entries >= maxEntries) entriesFull = true;
    return !entriesFull;
  };

  const zip = await R2ZipWriter.open(bucket, key);
  try {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    await zip.addStream(
      "usage.csv",
      csvChunks(USAGE_HEADER, usageOf(db, account.id), (u) =>
        csvRow([
          iso(u.createdAt),
          u.employeeId,
          u.model,
          u.promptTokens,
          u.completionTokens,
          u.costMicroEur,
          u.stream,
          u.month,
          u.id,
        ] satisfies CsvCell[]),
      ),
    );
    await zip.addStream(
      "audit.csv",
      csvChunks(AUDIT_CSV_HEADER, allAuditEvents(deps, account.id), auditCsvRow),
    );

    const knowledge = [];
    for (const f of files) {
      const folder = f.folder === TEAM_FOLDER ? TEAM_FOLDER : folders.get(f.folder);
      const path = folder ? `knowledge/${folder}/${safeSegment(f.name) || f.id}` : null;
      const object = path && roomFor(f.size) && entryRoom() ? await bucket.get(f.r2Key) : null;
      if (!path || !object) {
        left.push(`knowledge file ${f.name} (${f.folder}): not included`);
        continue;
      }
      await zip.addStream(path, object.body, { mtime: f.createdAt });
      knowledge.push({
        path,
        name: f.name,
        scope: f.folder === TEAM_FOLDER ? "team" : "employee",
        employeeId: f.folder === TEAM_FOLDER ? null : f.folder,
        contentType: f.contentType,
        size: f.size,
        sha256: f.sha256,
        createdAt: iso(f.createdAt),
      });
    }

    const workspaces = new Map<string, string>();
    for (const e of team) {
      const folder = `workspaces/${folders.get(e.id) ?? e.id}/`;
      workspaces.set(
        e.id,
        await addWorkspace(deps, zip, manifest, received.get(e.id), e, folder, entryRoom),
      );
    }

    const employees = team.map((e) => ({
      id: e.id,
      name: e.name,
      role: e.role,
      tone: e.tone,
      skills: e.skills,
      status: e.status,
      statusReason: e.statusReason,
      createdAt: iso(e.createdAt),
      updatedAt: iso(e.updatedAt),
      knowledgeFolder: files.some((f) => f.folder === e.id)
        ? `knowledge/${folders.get(e.id)}/`
        : null,
      workspaceFolder: `workspaces/${folders.get(e.id)}/`,
      workspace: workspaces.get(e.id) ?? NOT_RUNNING,
    }));
    const summary = {
      format: EXPORT_FORMAT,
      exportId: manifest.id,
      exportedAt: iso(deps.now()),
      account: {
        id: account.id,
        name: account.name,
        plan: account.plan,
        trialEndsAt: iso(account.trialEndsAt),
        createdAt: iso(account.createdAt),
        stripeCustomerId: account.stripeCustomerId,
        billingNotice: account.billingNotice,
        deletionRequestedAt: iso(account.deletionRequestedAt),
      },
      members: members.map((m) => ({ ...m, joinedAt: iso(m.joinedAt) })),
      subscriptions: subscriptions.map((s) => ({
        id: s.stripeSubscriptionId,
        plan: s.plan,
        status: s.status,
        currentPeriodEnd: s.currentPeriodEnd,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      })),
      employees,
      knowledge,
      files: { usage: "usage.csv", audit: "audit.csv" },
      notIncluded: left,
    };
    await zip.add("account.json", `${JSON.stringify(summary, null, 2)}\n`);
    if (entriesFull) await zip.add(NOT_INCLUDED_NOTE, notIncludedNote(maxEntries, employees, left));
    return await zip.close();
  } catch (err) {
    await zip.abort();
    throw err;
  }
}

// One employee's workspace into the zip; says what became of it for account.json.
async function addWorkspace(
  deps: Deps,
  zip: R2ZipWriter,
  manifest: ExportManifest,
  outcome: WorkspaceOutcome | undefined,
  e: EmployeeRow,
  folder: string,
  entryRoom: () => boolean,
): Promise<string> {
  if (!manifest.awaited.some((a) => a.employeeId === e.id)) return NOT_RUNNING;
  if (!outcome) return "workspace not included: its server did not send it in time";
  if (outcome.kind === "error") return `workspace not included: ${outcome.message}`;
  const object = await deps.env.KNOWLEDGE.get(outcome.key);
  if (!object) return "workspace not included: its archive is missing";
  // Why files stopped going in, once they did: the zip's size or its number of entries.
  let stop: "size" | "entries" | null = null;
  let added = 0;
  try {
    const read = await readTarGz(
      object.body,
      { maxFiles: WORKSPACE_MAX_FILES, maxBytes: WORKSPACE_UNPACKED_MAX_BYTES },
      async (file) => {
        if (!stop && zip.written + file.size + ZIP_RESERVE_BYTES >= EXPORT_MAX_ZIP_BYTES)
          stop = "size";
        if (!stop && !entryRoom()) stop = "entries";
        if (stop) {
          for await (const _ of file.chunks); // skipped, but read past
          return;
        }
        await zip.addStream(`${folder}${file.path}`, file.chunks, { mtime: file.mtimeMs });
        added++;
      },
    );
    if (stop) {
      const limit = stop === "size" ? "its size limit" : "its limit on the number of files";
      return added > 0
        ? `workspace included in part: the export reached ${limit}`
        : `workspace not included: the export reached ${limit}`;
    }
    if (read.truncated)
      return `workspace included in part: the first ${read.files} files (limits: ${WORKSPACE_MAX_FILES} files, ${WORKSPACE_UNPACKED_MAX_BYTES / 1024 / 1024} MB)`;
    return "included";
  } catch (err) {
    if (zip.broken) throw err;
    deps.log.warn("workspace archive unreadable", { employeeId: e.id, ...errorFields(err) });
    return "workspace not included in full: its archive could not be read";
  }
}

// What a zip that reached its number of entries says about itself, beside account.json.
function notIncludedNote(
  maxEntries: number,
  employees: readonly { name: string; workspaceFolder: string; workspace: string }[],
  left: readonly string[],
): string {
  const lines = [
    `This export reached the most files one zip can hold here (${maxEntries}).`,
    "What is listed below is not in it, or only in part; account.json says the same.",
    "",
    ...employees
      .filter((e) => e.workspace !== "included" && e.workspace !== NOT_RUNNING)
      .map((e) => `${e.workspaceFolder} (${e.name}): ${e.workspace}`),
    ...left,
  ];
  return `${lines.join("\n")}\n`;
}
