import type { BigIntStats } from "node:fs";
import { SNAPSHOT_MAX_ENTRIES, type SnapshotEntry } from "../../edge/protocol/snapshot-manifest.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import { type ConfinedDir, openBelow } from "./confined-tree.ts";
import { isSkipped, type SnapshotRoot } from "./state-skips.ts";

// Walks the roots of an employee's state (openclaw/, workspace/, browser/ of its data folder) from
// the host, through the confined tree: folders and links are recorded (a link as its target, never
// followed), files are handed to the caller, which decides whether to reuse, read or copy them.
// Sockets, FIFOs and devices are not state and are left out, as is what state-skips.ts names.

/** What identifies a file's version cheaply: it is read again when any of these changed. */
export type FileKey = string;
export const fileKey = (st: BigIntStats): FileKey =>
  `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;

export type FileEntry = Extract<SnapshotEntry, { type: "file" }>;

export interface WalkedFile {
  dir: ConfinedDir;
  name: string;
  path: string;
  stat: BigIntStats;
}

/** The file's manifest entry and the key of the version it holds; null leaves it out (gone). */
export type FileVisitor = (file: WalkedFile) => Promise<{ entry: FileEntry; key: FileKey } | null>;

export interface Walk {
  entries: SnapshotEntry[];
  /** The key of every file entry, by path: the cache and the change check use them. */
  keys: Map<string, FileKey>;
  /** Names the manifest cannot hold (not UTF-8, a backslash, too long): left out, counted. */
  unreadable: number;
}

export const newWalk = (): Walk => ({ entries: [], keys: new Map(), unreadable: 0 });

const PATH_MAX_CHARS = 4096;

export const modeOf = (st: BigIntStats) => Number(st.mode & 0o7777n);
export const mtimeMsOf = (st: BigIntStats) => Math.max(0, Number(st.mtimeNs / 1_000_000n));

/** Adds one root (its folder in the tree) to the walk; nothing when the folder is not there. */
export async function walkRoot(
  tree: ConfinedDir,
  root: SnapshotRoot,
  visit: FileVisitor,
  walk: Walk,
): Promise<void> {
  const st = await tree.lstat(root);
  if (!st?.isDirectory()) return;
  const dir = await openBelow(tree, root);
  if (!dir) return;
  try {
    add(walk, { type: "dir", path: root, mode: modeOf(st) });
    await walkDir(dir, root, [], visit, walk);
  } finally {
    await dir.close();
  }
}

async function walkDir(
  dir: ConfinedDir,
  root: SnapshotRoot,
  parts: string[],
  visit: FileVisitor,
  walk: Walk,
): Promise<void> {
  const { names, unreadable } = await dir.list();
  walk.unreadable += unreadable;
  for (const name of names) {
    const rel = [...parts, name];
    const path = `${root}/${rel.join("/")}`;
    if (name.includes("\\") || path.length > PATH_MAX_CHARS) {
      walk.unreadable++;
      continue;
    }
    const st = await dir.lstat(name);
    if (!st) continue; // gone since the listing
    if (isSkipped(root, rel, st.isDirectory())) continue;
    if (st.isDirectory()) {
      const sub = await dir.dir(name);
      if (!sub) continue; // replaced since the lstat
      try {
        add(walk, { type: "dir", path, mode: modeOf(st) });
        await walkDir(sub, root, rel, visit, walk);
      } finally {
        await sub.close();
      }
    } else if (st.isSymbolicLink()) {
      const target = await dir.readlink(name);
      if (target && target.length <= PATH_MAX_CHARS) add(walk, { type: "symlink", path, target });
      else if (target) walk.unreadable++;
    } else if (st.isFile()) {
      const got = await visit({ dir, name, path, stat: st });
      if (!got) continue;
      add(walk, got.entry);
      walk.keys.set(path, got.key);
    }
  }
}

function add(walk: Walk, entry: SnapshotEntry): void {
  if (walk.entries.length >= SNAPSHOT_MAX_ENTRIES)
    throw new RuntimeError(
      "snapshot_too_large",
      `the employee's state has more than ${SNAPSHOT_MAX_ENTRIES} files and folders`,
      false,
    );
  walk.entries.push(entry);
}
