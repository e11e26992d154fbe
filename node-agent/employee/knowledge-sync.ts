import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { KnowledgeFile, MemoryFile } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import type { ReadLimits } from "../runtime/tar.ts";
import { SerialByKey } from "../serial-by-key.ts";
import { OWN_FILES_DIR, WORKSPACE_DIR } from "./openclaw-config.ts";
import { EMPLOYEE_UID } from "./workspace-files.ts";

// What the agent last wrote, by file name → sha256, so a sync moves only the difference and never
// touches files the employee made itself. Own files: in the employee's volume; shared files: next
// to the account's folder on this node (that folder is what containers see, read-only).
const OWN_MANIFEST = ".instantworker/knowledge.json";
export const DOWNLOAD_TIMEOUT_MS = 60_000;
// Memory is shown, not archived: enough of each file to read, and a whole answer that fits in one
// protocol frame (256 KiB).
export const MEMORY_FILE_MAX_BYTES = 48 * 1024;
export const MEMORY_TOTAL_MAX_BYTES = 192 * 1024;
// What the agent reads of a container for the memory view: memory/ is the employee's to fill, so
// the read stops at these (the archive is streamed; nothing beyond is held).
export const MEMORY_READ_LIMITS: ReadLimits = {
  maxEntries: 500,
  maxArchiveBytes: 8 * 1024 * 1024,
  maxFileBytes: MEMORY_FILE_MAX_BYTES,
};
// The manifest lives in the employee's volume, where the employee could replace it.
export const MANIFEST_READ_LIMITS: ReadLimits = {
  maxEntries: 1,
  maxArchiveBytes: 2 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
};

type Manifest = Record<string, string>;

// Linux file names hold 255 bytes; the edge bounds names in characters, and 120 of them can be
// 360 bytes of UTF-8. A longer name is shortened at a character boundary, keeping its extension,
// with a hash of the whole name so two long names never collide.
export const FILE_NAME_MAX_BYTES = 255;
const NAME_HASH_CHARS = 8;

export function onDiskName(name: string): string {
  if (Buffer.byteLength(name) <= FILE_NAME_MAX_BYTES) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot) : "";
  const tag = `~${createHash("sha256").update(name).digest("hex").slice(0, NAME_HASH_CHARS)}`;
  const room = FILE_NAME_MAX_BYTES - Buffer.byteLength(ext) - Buffer.byteLength(tag);
  let stem = "";
  for (const ch of dot > 0 ? name.slice(0, dot) : name) {
    if (Buffer.byteLength(stem + ch) > room) break;
    stem += ch;
  }
  return `${stem}${tag}${ext}`;
}

export interface KnowledgeSyncOptions {
  runtime: EmployeeRuntime;
  edgeUrl: string;
  nodeToken: string;
  teamFilesRoot: string;
  log: Logger;
}

export class KnowledgeSync {
  private readonly opts: KnowledgeSyncOptions;
  // One sync per account's shared folder at a time (several employees share it).
  private readonly sharedLocks = new SerialByKey();

  constructor(opts: KnowledgeSyncOptions) {
    this.opts = opts;
  }

  async sync(employeeId: string, accountId: string, own: KnowledgeFile[], shared: KnowledgeFile[]) {
    await this.sharedLocks.run(accountId, () => this.syncShared(accountId, shared));
    await this.syncOwn(employeeId, own);
  }

  async readMemory(employeeId: string): Promise<MemoryFile[]> {
    const runtime = this.opts.runtime;
    const main = await runtime.readFiles(
      employeeId,
      `${WORKSPACE_DIR}/MEMORY.md`,
      MEMORY_READ_LIMITS,
    );
    const daily = await runtime.readFiles(
      employeeId,
      `${WORKSPACE_DIR}/memory`,
      MEMORY_READ_LIMITS,
    );
    if (main.truncated || daily.truncated)
      this.opts.log.warn(
        { employeeId },
        "memory folder beyond the read limits; showing part of it",
      );
    const entries = [...main.entries, ...daily.entries].filter(
      (e) => e.type === "file" && e.path.endsWith(".md"),
    );
    entries.sort((a, b) =>
      a.path === "MEMORY.md" ? -1 : b.path === "MEMORY.md" ? 1 : b.path.localeCompare(a.path),
    );
    let budget = MEMORY_TOTAL_MAX_BYTES;
    const out: MemoryFile[] = [];
    for (const e of entries) {
      const room = Math.min(MEMORY_FILE_MAX_BYTES, budget);
      if (room <= 0) break;
      const slice = e.content.subarray(0, room);
      budget -= slice.length;
      out.push({
        path: e.path,
        content: slice.toString("utf8"),
        size: e.size,
        truncated: slice.length < e.size,
        modifiedAt: e.mtimeMs || null,
      });
    }
    return out;
  }

  private async syncOwn(employeeId: string, wanted: KnowledgeFile[]): Promise<void> {
    const runtime = this.opts.runtime;
    const current = await this.readOwnManifest(employeeId);
    const next: Manifest = {};
    const writes = [];
    for (const f of wanted) {
      if (current[f.name] === f.sha256) {
        next[f.name] = f.sha256;
        continue;
      }
      const content = await this.download(f);
      writes.push({
        path: `${OWN_FILES_DIR}/${onDiskName(f.name)}`,
        content,
        mode: 0o644,
        uid: EMPLOYEE_UID,
        gid: EMPLOYEE_UID,
      });
      next[f.name] = f.sha256;
    }
    const gone = Object.keys(current).filter((name) => !(name in next));
    const removed = await runtime.removeFiles(
      employeeId,
      gone.map((name) => `${OWN_FILES_DIR}/${onDiskName(name)}`),
    );
    // Not running: remember them, so the sync after the next start deletes them.
    if (!removed) for (const name of gone) next[name] = current[name] ?? "";
    const manifest = Buffer.from(JSON.stringify(next));
    await runtime.writeFiles(employeeId, [
      // The folder, the employee's: it deletes and renames there as the agent does.
      { path: OWN_FILES_DIR, mode: 0o755, uid: EMPLOYEE_UID, gid: EMPLOYEE_UID },
      ...writes,
      { path: OWN_MANIFEST, content: manifest, mode: 0o600, uid: 0, gid: 0 },
    ]);
    this.opts.log.info(
      { employeeId, written: writes.length, deleted: removed ? gone.length : 0 },
      "own knowledge synced",
    );
  }

  private async syncShared(accountId: string, wanted: KnowledgeFile[]): Promise<void> {
    const dir = path.join(this.opts.teamFilesRoot, accountId);
    const manifestPath = path.join(this.opts.teamFilesRoot, `${accountId}.json`);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    let current: Manifest = {};
    try {
      current = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    } catch {
      // first sync for this account on this node
    }
    const next: Manifest = {};
    for (const f of wanted) {
      next[f.name] = f.sha256;
      if (current[f.name] === f.sha256) continue;
      const content = await this.download(f);
      // Written beside and renamed: an employee never reads half a file.
      const tmp = path.join(dir, `.${f.id}.partial`);
      writeFileSync(tmp, content, { mode: 0o644 });
      renameSync(tmp, path.join(dir, onDiskName(f.name)));
    }
    for (const name of Object.keys(current))
      if (!(name in next)) rmSync(path.join(dir, onDiskName(name)), { force: true });
    writeFileSync(manifestPath, JSON.stringify(next), { mode: 0o600 });
  }

  private async readOwnManifest(employeeId: string): Promise<Manifest> {
    const read = await this.opts.runtime.readFiles(employeeId, OWN_MANIFEST, MANIFEST_READ_LIMITS);
    const entry = read.entries[0];
    // Unreadable or oversized: everything is written again, which is always safe.
    if (!entry || entry.truncated) return {};
    try {
      return JSON.parse(entry.content.toString("utf8")) as Manifest;
    } catch {
      return {};
    }
  }

  private async download(f: KnowledgeFile): Promise<Buffer> {
    const res = await fetch(new URL(`/agent/knowledge/${f.id}`, this.opts.edgeUrl), {
      headers: { authorization: `Bearer ${this.opts.nodeToken}` },
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    }).catch((err: unknown) => {
      throw new RuntimeError("download_failed", `could not fetch ${f.name}: ${String(err)}`, true);
    });
    if (!res.ok)
      throw new RuntimeError(
        "download_failed",
        `could not fetch ${f.name}: the edge answered ${res.status}`,
        res.status >= 500 || res.status === 429,
      );
    const content = Buffer.from(await res.arrayBuffer());
    const sha = createHash("sha256").update(content).digest("hex");
    if (sha !== f.sha256)
      throw new RuntimeError("download_failed", `${f.name} arrived damaged (checksum)`, true);
    return content;
  }
}
