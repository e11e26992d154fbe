import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { Sha256Hex } from "../../edge/protocol/snapshot-manifest.ts";
import type { FileKey } from "./state-walker.ts";

// What the last complete snapshot of an employee read, kept on the node
// (STATE_DIR/snapshots/<employeeId>/last.json): each file's key (size, mtime, ctime, inode) and
// its chunks, so an unchanged file is not read again, and a fingerprint of the whole state, so a
// scheduled snapshot of an employee that changed nothing is skipped. Written only after the edge
// accepted the manifest; a missing or unreadable cache only costs a full read.

const CachedFile = z.object({
  key: z.string().max(200),
  /** [sha256, plaintext length] in order. */
  chunks: z.array(z.tuple([Sha256Hex, z.number().int().min(0)])),
});
export type CachedFile = z.infer<typeof CachedFile>;

const CacheFile = z.object({
  version: z.literal(1),
  fingerprint: z.string(),
  files: z.record(z.string(), CachedFile),
});
export type WalkCacheData = z.infer<typeof CacheFile>;

const EMPLOYEE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class WalkCache {
  private readonly root: string;

  constructor(snapshotsDir: string) {
    this.root = snapshotsDir;
  }

  dir(employeeId: string): string {
    if (!EMPLOYEE_ID.test(employeeId)) throw new Error(`not an employee id: ${employeeId}`);
    return path.join(this.root, employeeId);
  }

  async load(employeeId: string): Promise<WalkCacheData | null> {
    const text = await readFile(path.join(this.dir(employeeId), "last.json"), "utf8").catch(
      () => null,
    );
    if (text === null) return null;
    try {
      const parsed = CacheFile.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Replaces the cache at once (written beside it, then renamed). */
  async save(employeeId: string, data: WalkCacheData): Promise<void> {
    const dir = this.dir(employeeId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, "last.json.tmp");
    await writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
    await rename(tmp, path.join(dir, "last.json"));
  }

  /** Forgets an employee (removed, or its state replaced by a restore). */
  async forget(employeeId: string): Promise<void> {
    await rm(this.dir(employeeId), { recursive: true, force: true });
  }
}

/**
 * The state's fingerprint: every entry's path, kind and version, order-free. Equal fingerprints
 * mean nothing the snapshot would hold has changed.
 */
export function fingerprint(lines: Iterable<string>): string {
  const sorted = [...lines].sort();
  const hash = createHash("sha256");
  for (const line of sorted) hash.update(line).update("\n");
  return hash.digest("hex");
}

/** The fingerprint line of one entry: files by their key, the rest by what they are. */
export function entryLine(
  entry: { type: string; path: string; mode?: number; target?: string },
  key: FileKey | undefined,
): string {
  const what = entry.type === "file" ? key : entry.type === "symlink" ? entry.target : entry.mode;
  return `${entry.type}\0${entry.path}\0${what ?? ""}`;
}
