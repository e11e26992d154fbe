import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { BROWSER_QUIESCE_MAX_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import type { Logger } from "../logger.ts";
import type { ChunkRef } from "./chunk-digests.ts";
import { type ConfinedDir, openFileBelow } from "./confined-tree.ts";
import { digestFile, type HostFile, HostFiles } from "./host-files.ts";
import type { SnapshotRoot } from "./state-skips.ts";
import {
  type FileEntry,
  type FileVisitor,
  fileKey,
  modeOf,
  mtimeMsOf,
  newWalk,
  type Walk,
  walkRoot,
} from "./state-walker.ts";
import { entryLine, type WalkCacheData } from "./walk-cache.ts";

// Reads roots of an employee's state into manifest entries and a source of their chunks, in one
// of three ways: a stat-only scan (is anything new?), live (a stopped employee, or the workspace,
// whose files OpenClaw too copies as they are), or quiesced (the employee frozen by a pause while
// its changed files are copied to the agent's spool, then digested from the copy once it runs
// again). Unchanged files (same key as in the last complete snapshot) are never read.

export interface Freezer {
  pause(): Promise<void>;
  unpause(): Promise<void>;
}

export interface StateReaderOptions {
  tree: ConfinedDir;
  cache: WalkCacheData | null;
  spoolDir: string;
  log: Logger;
  onBytes?: (n: number) => void;
  quiesceMaxMs?: number;
}

const fileEntry = (p: string, st: Parameters<FileVisitor>[0]["stat"]): FileEntry => ({
  type: "file",
  path: p,
  mode: modeOf(st),
  size: Number(st.size),
  mtimeMs: mtimeMsOf(st),
  chunks: [],
});

export class StateReader {
  readonly walk: Walk = newWalk();
  readonly files = new HostFiles();
  private readonly opts: StateReaderOptions;
  private spooled = 0;

  constructor(opts: StateReaderOptions) {
    this.opts = opts;
  }

  /** Every entry's fingerprint line, without reading a file (the change check). */
  async scan(roots: readonly SnapshotRoot[]): Promise<string[]> {
    const walk = newWalk();
    for (const root of roots)
      await walkRoot(
        this.opts.tree,
        root,
        async ({ path: p, stat }) => ({ entry: fileEntry(p, stat), key: fileKey(stat) }),
        walk,
      );
    return walk.entries.map((e) => entryLine(e, walk.keys.get(e.path)));
  }

  /** Whether every file of the roots is as the cache has it (then no pause is needed). */
  async unchanged(roots: readonly SnapshotRoot[]): Promise<boolean> {
    const walk = newWalk();
    let same = true;
    for (const root of roots)
      await walkRoot(
        this.opts.tree,
        root,
        async ({ path: p, stat }) => {
          if (this.opts.cache?.files[p]?.key !== fileKey(stat)) same = false;
          return null;
        },
        walk,
      );
    return same && this.opts.cache !== null;
  }

  /** Reads the roots as they are: unchanged files reuse their chunks, the rest are digested. */
  async live(roots: readonly SnapshotRoot[]): Promise<void> {
    for (const root of roots)
      await walkRoot(
        this.opts.tree,
        root,
        async ({ dir, name, path: p, stat }) => {
          const reused = this.reuse(p, stat);
          if (reused) return reused;
          const open = () => openFileBelow(this.opts.tree, p);
          const got = await digestFile(() => dir.file(name), this.opts.onBytes);
          if (!got) return null;
          const entry = { ...fileEntry(p, stat), size: got.size, mtimeMs: got.mtimeMs };
          return this.add({ entry, refs: got.refs, key: got.key, open });
        },
        this.walk,
      );
  }

  /**
   * Copies the roots' changed files while `freezer` holds the employee still, at most
   * quiesceMaxMs (then it runs again and the rest is copied live, said in the log); digests the
   * copies after. Returns how long the employee was paused.
   */
  async quiesced(roots: readonly SnapshotRoot[], freezer: Freezer): Promise<number> {
    const pending: { file: HostFile; copy: string }[] = [];
    const maxMs = this.opts.quiesceMaxMs ?? BROWSER_QUIESCE_MAX_MS;
    await freezer.pause();
    const started = Date.now();
    let paused = true;
    const thaw = async () => {
      if (!paused) return;
      paused = false;
      await freezer.unpause();
    };
    try {
      for (const root of roots)
        await walkRoot(
          this.opts.tree,
          root,
          async ({ dir, name, path: p, stat }) => {
            const reused = this.reuse(p, stat);
            if (reused) return reused;
            if (paused && Date.now() - started > maxMs) {
              await thaw();
              this.opts.log.warn(
                { maxMs },
                "the pause ran out; the rest of the state is copied live",
              );
            }
            const handle = await dir.file(name, stat);
            if (!handle) return null;
            const copy = path.join(this.opts.spoolDir, `copy-${++this.spooled}`);
            try {
              await pipeline(
                handle.createReadStream({ autoClose: false }),
                createWriteStream(copy, { mode: 0o600 }),
              );
            } finally {
              await handle.close();
            }
            const file: HostFile = {
              entry: fileEntry(p, stat),
              refs: [],
              key: fileKey(stat),
              open: () => open(copy, "r"),
            };
            pending.push({ file, copy });
            return { entry: file.entry, key: file.key };
          },
          this.walk,
        );
    } finally {
      await thaw();
    }
    const pausedMs = Date.now() - started;
    for (const { file } of pending) {
      const got = await digestFile(file.open, this.opts.onBytes);
      if (!got) throw new Error("a spooled copy vanished");
      file.refs = got.refs;
      file.entry.size = got.size;
      file.entry.chunks = got.refs.map((r) => r.sha256);
      this.files.files.push(file);
    }
    return pausedMs;
  }

  /** The bytes that would be read for the roots (files whose key is not in the cache). */
  private reuse(p: string, stat: Parameters<FileVisitor>[0]["stat"]) {
    const cached = this.opts.cache?.files[p];
    const key = fileKey(stat);
    if (!cached || cached.key !== key) return null;
    let offset = 0;
    const refs: ChunkRef[] = cached.chunks.map(([sha256, length]) => {
      const ref = { sha256, offset, length };
      offset += length;
      return ref;
    });
    if (offset !== Number(stat.size)) return null;
    const entry = fileEntry(p, stat);
    return this.add({ entry, refs, key, open: () => openFileBelow(this.opts.tree, p) });
  }

  private add(file: HostFile): { entry: FileEntry; key: string } {
    file.entry.chunks = file.refs.map((r) => r.sha256);
    this.files.files.push(file);
    return { entry: file.entry, key: file.key };
  }
}
