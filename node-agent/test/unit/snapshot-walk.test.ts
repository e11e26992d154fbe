// The walk of an employee's state from the host, over a folder a hostile container could have
// filled: links recorded and never followed, the team's files and volatile files left out, no way
// out of the tree (a folder swapped for a link, a FIFO), and unchanged files not read again.
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../logger.ts";
import { openBelow, openFileBelow, openTree } from "../../snapshot/confined-tree.ts";
import { StateReader } from "../../snapshot/state-reader.ts";
import type { WalkCacheData } from "../../snapshot/walk-cache.ts";

const log = createLogger("silent");
let data: string;
let outside: string;

function put(rel: string, content: string | Buffer = "x"): void {
  const p = path.join(data, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

async function read(cache: WalkCacheData | null = null) {
  const tree = await openTree(data);
  let bytes = 0;
  const reader = new StateReader({
    tree,
    cache,
    spoolDir: path.join(outside, "spool"),
    log,
    onBytes: (n) => {
      bytes += n;
    },
  });
  try {
    await reader.live(["openclaw", "workspace", "browser"]);
  } finally {
    await tree.close();
  }
  const cacheOut: WalkCacheData = {
    version: 1,
    fingerprint: "",
    files: Object.fromEntries(
      reader.files.files.map((f) => [
        f.entry.path,
        { key: f.key, chunks: f.refs.map((r) => [r.sha256, r.length] as [string, number]) },
      ]),
    ),
  };
  return {
    entries: reader.walk.entries,
    bytes,
    cache: cacheOut,
    unreadable: reader.walk.unreadable,
  };
}

beforeEach(() => {
  data = mkdtempSync(path.join(os.tmpdir(), "iw-walk-"));
  outside = mkdtempSync(path.join(os.tmpdir(), "iw-walk-outside-"));
  writeFileSync(path.join(outside, "secret"), "the node's own file");
});
afterEach(() => {
  rmSync(data, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("the state walk", () => {
  it("records links as links, and leaves out the team's files and what is volatile", async () => {
    put("workspace/MEMORY.md", "likes tea");
    put("workspace/team-files/handbook.md", "shared");
    put("workspace/notes/team-files/mine.md", "the employee's own folder of that name");
    symlinkSync(path.join(outside, "secret"), path.join(data, "workspace/secret-link"));
    symlinkSync(outside, path.join(data, "workspace/outside-dir"));
    put("openclaw/state/openclaw.sqlite", "db");
    put("openclaw/logs/gateway.log", "log");
    put("openclaw/gateway.pid", "1");
    put("openclaw/agents/main/sessions/s1.jsonl", "transcript");
    put("browser/Default/Cookies", "cookies");
    put("browser/Default/Cache/data_0", "cache");
    put("browser/Default/Code Cache/js/x", "cache");
    symlinkSync("myhost-123", path.join(data, "browser/SingletonLock"));
    execFileSync("mkfifo", [path.join(data, "workspace/fifo")]);
    const { entries } = await read();
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "openclaw/state/openclaw.sqlite",
        "workspace/MEMORY.md",
        "workspace/notes/team-files/mine.md",
        "browser/Default/Cookies",
      ]),
    );
    expect(entries.find((e) => e.path === "workspace/secret-link")).toEqual({
      type: "symlink",
      path: "workspace/secret-link",
      target: path.join(outside, "secret"),
    });
    expect(entries.find((e) => e.path === "workspace/outside-dir")?.type).toBe("symlink");
    for (const gone of [
      "workspace/team-files",
      "workspace/team-files/handbook.md",
      "workspace/outside-dir/secret",
      "workspace/fifo",
      "openclaw/logs",
      "openclaw/gateway.pid",
      "openclaw/agents/main/sessions/s1.jsonl",
      "browser/Default/Cache",
      "browser/Default/Code Cache",
      "browser/SingletonLock",
    ])
      expect(paths).not.toContain(gone);
    expect(paths[0]).toBe("openclaw");
  });

  it("never leaves the tree: a folder swapped for a link, a path through a link", async () => {
    put("workspace/sub/note.md", "mine");
    const tree = await openTree(data);
    try {
      // Through a link, by path: refused, whichever part is the link.
      symlinkSync(outside, path.join(data, "workspace/via"));
      expect(await openFileBelow(tree, "workspace/via/secret")).toBeNull();
      expect(await openBelow(tree, "workspace/via")).toBeNull();
      // A folder held open and then swapped for a link: its handle still reads the folder it
      // opened, never where the link points.
      const sub = await openBelow(tree, "workspace/sub");
      if (!sub) throw new Error("no folder");
      renameSync(path.join(data, "workspace/sub"), path.join(data, "workspace/moved"));
      symlinkSync(outside, path.join(data, "workspace/sub"));
      expect((await sub.list()).names).toEqual(["note.md"]);
      expect(await sub.file("secret")).toBeNull();
      await sub.close();
      // A name that is not a name is refused before the kernel sees it.
      await expect(tree.lstat("../etc")).rejects.toThrow(/not a file name/);
    } finally {
      await tree.close();
    }
  });

  it("reads only files that changed since the cached walk", async () => {
    put("workspace/a.md", "a".repeat(300_000));
    put("workspace/b.md", "b".repeat(500_000));
    const first = await read();
    expect(first.bytes).toBe(800_000);
    const again = await read(first.cache);
    expect(again.bytes).toBe(0);
    expect(again.entries).toEqual(first.entries);
    // Changed content (same size, a new mtime): read again; the other file is not.
    put("workspace/b.md", "c".repeat(500_000));
    utimesSync(path.join(data, "workspace/b.md"), 1_000, 1_000);
    const third = await read(again.cache);
    expect(third.bytes).toBe(500_000);
    const b = third.entries.find((e) => e.path === "workspace/b.md");
    const bBefore = first.entries.find((e) => e.path === "workspace/b.md");
    expect(b?.type === "file" && bBefore?.type === "file" && b.chunks).not.toEqual(
      bBefore?.type === "file" && bBefore.chunks,
    );
    expect(b?.type === "file" && b.mtimeMs).toBe(1_000_000);
  });
});
