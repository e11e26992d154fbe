import { type BigIntStats, constants } from "node:fs";
import { type FileHandle, lstat, open, readdir, readlink } from "node:fs/promises";

// An employee's data folder as the agent (root, on the host) reads it. The container controls
// every name in it and can swap a folder for a symbolic link at any moment, so no path below the
// root is ever resolved as a whole: each folder is opened by itself (O_NOFOLLOW), and its children
// are reached through /proc/self/fd/<fd>/<name>. The kernel resolves that magic link to the very
// folder the descriptor holds, then only <name> in it, which is openat(fd, name, O_NOFOLLOW): a
// link is never followed, and no rename inside the tree can lead the agent out of it. A file is
// opened O_NONBLOCK (a FIFO put in its place cannot hang the agent) and checked to be the regular
// file the listing saw.

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Folders below the root at most: a deeper tree is the container's trick, not its state. */
export const MAX_TREE_DEPTH = 128;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ConfinedDir {
  private readonly handle: FileHandle;
  readonly depth: number;

  constructor(handle: FileHandle, depth: number) {
    this.handle = handle;
    this.depth = depth;
  }

  private at(name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0"))
      throw new Error(`not a file name: ${JSON.stringify(name)}`);
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  /** The names in this folder, sorted; names that are not UTF-8 cannot be recorded and are counted. */
  async list(): Promise<{ names: string[]; unreadable: number }> {
    const raw = await readdir(`/proc/self/fd/${this.handle.fd}`, { encoding: "buffer" });
    const names: string[] = [];
    let unreadable = 0;
    for (const b of raw) {
      try {
        names.push(utf8.decode(b));
      } catch {
        unreadable++;
      }
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { names, unreadable };
  }

  /** The entry itself (a link is not followed); null when it is gone. */
  async lstat(name: string): Promise<BigIntStats | null> {
    return lstat(this.at(name), { bigint: true }).catch(gone);
  }

  async readlink(name: string): Promise<string | null> {
    return readlink(this.at(name)).catch(gone);
  }

  /** A sub-folder; null when it is gone or is not a folder (a link, a file) any more. */
  async dir(name: string): Promise<ConfinedDir | null> {
    if (this.depth >= MAX_TREE_DEPTH) throw new Error(`a folder more than ${MAX_TREE_DEPTH} deep`);
    const handle = await open(this.at(name), DIR_FLAGS).catch(notThere);
    return handle ? new ConfinedDir(handle, this.depth + 1) : null;
  }

  /**
   * A regular file, opened for reading; null when it is gone or is no longer the file `seen`
   * (same inode) because something was put in its place.
   */
  async file(name: string, seen?: BigIntStats): Promise<FileHandle | null> {
    const handle = await open(this.at(name), FILE_FLAGS).catch(notThere);
    if (!handle) return null;
    const st = await handle.stat({ bigint: true });
    if (!st.isFile() || (seen && (st.ino !== seen.ino || st.dev !== seen.dev))) {
      await handle.close();
      return null;
    }
    return handle;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The root, a folder the agent itself chose (the employee's mountpoint): opened as it is. */
export async function openTree(root: string): Promise<ConfinedDir> {
  return new ConfinedDir(await open(root, DIR_FLAGS), 0);
}

/**
 * A folder or file by its relative path, one part at a time: null when any part is missing, a
 * link, or of the wrong kind. Only the returned handle stays open.
 */
export async function openBelow(root: ConfinedDir, rel: string): Promise<ConfinedDir | null> {
  let dir: ConfinedDir | null = root;
  for (const part of rel.split("/").filter((p) => p !== "")) {
    const next: ConfinedDir | null = await dir.dir(part);
    if (dir !== root) await dir.close();
    if (!next) return null;
    dir = next;
  }
  return dir;
}

export async function openFileBelow(
  root: ConfinedDir,
  rel: string,
  seen?: BigIntStats,
): Promise<FileHandle | null> {
  const parts = rel.split("/").filter((p) => p !== "");
  const name = parts.pop();
  if (!name) return null;
  const dir = await openBelow(root, parts.join("/"));
  if (!dir) return null;
  try {
    return await dir.file(name, seen);
  } finally {
    if (dir !== root) await dir.close();
  }
}

// Something the container removed or replaced while the agent looked: not an error of ours.
const GONE = new Set(["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "ENXIO", "EINVAL"]);
function gone(err: NodeJS.ErrnoException): null {
  if (err.code && GONE.has(err.code)) return null;
  throw err;
}
const notThere = gone;
