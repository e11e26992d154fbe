import { constants } from "node:fs";
import {
  chmod,
  chown,
  type FileHandle,
  lchown,
  lstat,
  mkdir,
  open,
  symlink,
  utimes,
} from "node:fs/promises";
import path from "node:path";
import type { SnapshotEntry, SnapshotManifest } from "../../edge/protocol/snapshot-manifest.ts";
import { corrupt } from "./chunk-fetcher.ts";

// Writes a snapshot's entries into a staging state (the future /data of the employee), never into
// a live one. The manifest came from the edge and was taken from a container the employee
// controls, so every path is checked again here: below one of the three roots, no "..", no
// absolute path, no parent that is a link or a file (a link entry is made as a link and never
// followed: a later entry "below" it is refused). Files are opened with O_NOFOLLOW | O_EXCL, so
// nothing already there is written through. Memory: one chunk at a time.

/** The container's /data/workspace/team-files is the account's shared files, bound read-only and
 * re-synced by knowledge.sync: never restored, but its mount point is made. */
export const TEAM_FILES_PATH = "workspace/team-files";
/** What a restored /data always has (the image's skeleton), whatever the snapshot holds. */
const SKELETON = ["openclaw", "workspace", TEAM_FILES_PATH];
// Set-uid and set-gid bits are never restored (the disks are mounted nosuid anyway).
const MODE_MASK = 0o1777;
const DIR_MODE = 0o755;

/** Hands out the plaintext of the snapshot's chunks in manifest order, checked. */
export type ChunkSource = AsyncIterator<Uint8Array>;

export interface WriteOptions {
  /** Who owns what is written (the container's user); null leaves the agent's own. */
  owner: { uid: number; gid: number } | null;
  /** Checked between entries and chunks: the phase's deadline. */
  signal?: AbortSignal;
  /** Plaintext bytes written so far, after each chunk. */
  onBytes?: (bytesDone: number) => void;
}

export interface WriteSummary {
  files: number;
  bytes: number;
  skipped: number;
}

/** Every chunk digest the writer will ask for, in the order it asks. */
export function chunkOrder(manifest: SnapshotManifest): string[] {
  const order: string[] = [];
  for (const e of manifest.entries) if (e.type === "file" && !skipped(e)) order.push(...e.chunks);
  return order;
}

const skipped = (e: SnapshotEntry) =>
  e.path === TEAM_FILES_PATH || e.path.startsWith(`${TEAM_FILES_PATH}/`);

export async function writeSnapshot(
  root: string,
  manifest: SnapshotManifest,
  source: ChunkSource,
  opts: WriteOptions,
): Promise<WriteSummary> {
  const base = path.resolve(root);
  const dirs = new Set<string>([base]); // checked to be real folders below base
  const summary: WriteSummary = { files: 0, bytes: 0, skipped: 0 };
  const owned = async (target: string, link = false) => {
    if (!opts.owner) return;
    await (link ? lchown : chown)(target, opts.owner.uid, opts.owner.gid);
  };

  const ensureDir = async (rel: string, mode: number | null): Promise<string> => {
    const target = resolveBelow(base, rel);
    if (!dirs.has(target)) {
      await ensureParent(base, target, dirs, owned);
      try {
        await mkdir(target, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const st = await lstat(target);
      if (!st.isDirectory()) throw corrupt(`${rel} is both a folder and something else`);
      dirs.add(target);
      await owned(target);
      if (mode === null) await chmod(target, DIR_MODE);
    }
    // Folder modes last: a read-only folder of the snapshot must not stop its own files.
    if (mode !== null) dirModes.push([target, mode & MODE_MASK]);
    return target;
  };
  const dirModes: [string, number][] = [];

  for (const dir of SKELETON) await ensureDir(dir, null);
  for (const entry of manifest.entries) {
    opts.signal?.throwIfAborted();
    if (skipped(entry)) {
      summary.skipped++;
      continue;
    }
    if (entry.type === "dir") {
      await ensureDir(entry.path, entry.mode);
      continue;
    }
    const target = resolveBelow(base, entry.path);
    await ensureParent(base, target, dirs, owned);
    if (entry.type === "symlink") {
      await symlink(entry.target, target).catch(refuseExisting(entry.path));
      await owned(target, true);
      continue;
    }
    const file = await open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    ).catch(refuseExisting(entry.path));
    try {
      let written = 0;
      for (const _sha of entry.chunks) {
        opts.signal?.throwIfAborted();
        const next = await source.next();
        if (next.done) throw corrupt(`the chunks ended inside ${entry.path}`);
        written += next.value.byteLength;
        if (written > entry.size)
          throw corrupt(`${entry.path} is longer than its ${entry.size} bytes`);
        await writeAll(file, next.value);
        summary.bytes += next.value.byteLength;
        opts.onBytes?.(summary.bytes);
      }
      if (written !== entry.size)
        throw corrupt(`${entry.path} has ${written} bytes, the manifest says ${entry.size}`);
      await file.chmod(entry.mode & MODE_MASK);
      if (opts.owner) await file.chown(opts.owner.uid, opts.owner.gid);
    } finally {
      await file.close();
    }
    const mtime = new Date(entry.mtimeMs);
    await utimes(target, mtime, mtime);
    summary.files++;
  }
  for (const [dir, mode] of dirModes) await chmod(dir, mode);
  return summary;
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength; ) {
    const { bytesWritten } = await file.write(bytes, at, bytes.byteLength - at);
    at += bytesWritten;
  }
}

/** The absolute path of a manifest path below base, or corrupt. */
export function resolveBelow(base: string, rel: string): string {
  const parts = rel.split("/");
  if (
    path.posix.isAbsolute(rel) ||
    rel.includes("\0") ||
    rel.includes("\\") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  )
    throw corrupt(`not a path below the employee's data: ${JSON.stringify(rel.slice(0, 200))}`);
  const target = path.resolve(base, ...parts);
  if (!target.startsWith(`${base}${path.sep}`))
    throw corrupt(`not a path below the employee's data: ${JSON.stringify(rel.slice(0, 200))}`);
  return target;
}

// Every folder from base down to target's parent is a real folder made by this restore (or
// checked by lstat), never a link: a link entry cannot redirect a later one.
async function ensureParent(
  base: string,
  target: string,
  dirs: Set<string>,
  owned: (p: string) => Promise<void>,
): Promise<void> {
  const parent = path.dirname(target);
  if (dirs.has(parent)) return;
  const chain: string[] = [];
  for (let at = parent; !dirs.has(at); at = path.dirname(at)) {
    if (at === base || !at.startsWith(`${base}${path.sep}`))
      throw corrupt(`${target} is not below the staging folder`);
    chain.unshift(at);
  }
  for (const dir of chain) {
    const st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (st && !st.isDirectory())
      throw corrupt(
        `${path.relative(base, dir)} is ${st.isSymbolicLink() ? "a link" : "a file"}, yet a parent`,
      );
    if (!st) {
      await mkdir(dir, { mode: 0o700 });
      await chmod(dir, DIR_MODE);
      await owned(dir);
    }
    dirs.add(dir);
  }
}

const refuseExisting =
  (rel: string) =>
  (err: NodeJS.ErrnoException): never => {
    if (err.code === "EEXIST" || err.code === "ELOOP")
      throw corrupt(`${rel} is in the snapshot twice, or below a link`);
    throw err;
  };
