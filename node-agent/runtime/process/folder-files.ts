import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { RuntimeError } from "../employee-runtime.ts";
import { packTar, type ReadResult, type TarEntry, type UnpackedEntry } from "../tar.ts";

// A process employee's "volume": a folder next to its state file (process-runtime.ts), written
// and read the way the docker runtime writes and reads a container's /data (docker-files.ts).
// Every path stays inside the folder.

export function writeFolderFiles(root: string, entries: readonly TarEntry[]): void {
  for (const e of entries) {
    const target = safeJoin(root, e.path);
    if (e.content === undefined) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, e.content, { mode: e.mode ?? 0o644 });
    }
  }
}

export function readFolderFiles(root: string, relPath: string): ReadResult {
  const start = safeJoin(root, relPath);
  if (!existsSync(start)) return { entries: [], truncated: false };
  const out: UnpackedEntry[] = [];
  const walk = (abs: string, rel: string) => {
    const st = statSync(abs);
    if (st.isDirectory()) {
      out.push({
        path: rel,
        type: "directory",
        size: 0,
        mtimeMs: st.mtimeMs,
        content: Buffer.alloc(0),
        truncated: false,
      });
      for (const name of readdirSync(abs)) walk(path.join(abs, name), `${rel}/${name}`);
    } else {
      const content = readFileSync(abs);
      out.push({
        path: rel,
        type: "file",
        size: content.length,
        mtimeMs: st.mtimeMs,
        content,
        truncated: false,
      });
    }
  };
  walk(start, path.posix.basename(relPath));
  return { entries: out, truncated: false };
}

// Development only, so read whole: the folder as Docker would archive it.
export function archiveFolderFiles(root: string, relPath: string): NodeJS.ReadableStream | null {
  const { entries } = readFolderFiles(root, relPath);
  if (entries.length === 0) return null;
  return packTar(
    entries
      .filter((e) => e.type !== "other")
      .map((e) => ({
        path: e.path,
        ...(e.type === "file" ? { content: e.content } : {}),
        mtimeMs: e.mtimeMs,
      })),
  );
}

export function removeFolderFiles(root: string, relPaths: readonly string[]): void {
  for (const p of relPaths) rmSync(safeJoin(root, p), { force: true });
}

function safeJoin(root: string, rel: string): string {
  const target = path.resolve(root, rel);
  if (target !== root && !target.startsWith(`${root}${path.sep}`))
    throw new RuntimeError("bad_path", `path outside the employee's folder: ${rel}`, false);
  return target;
}
