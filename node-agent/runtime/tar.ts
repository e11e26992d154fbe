import { Readable } from "node:stream";
import { extract, pack } from "tar-stream";

// Archives for Docker's archive API (PUT/GET /containers/:id/archive), which is how the agent
// writes an employee's workspace and reads its memory: it works on running and stopped containers
// alike and needs no shell inside. tar-stream writes PAX headers for names past ustar's limits
// (knowledge file names reach 200 bytes of UTF-8) and reads what Docker's Go archiver writes.
//
// What comes out of a container is hostile: it can plant a 5 GB file or a million files where the
// agent reads. Reading therefore streams, keeps at most maxFileBytes of each file, stops after
// maxEntries entries or maxArchiveBytes of archive, and says when it stopped early.

export interface TarEntry {
  /** Relative path, "/"-separated, no "..". */
  path: string;
  /** Absent for a directory. */
  content?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeMs?: number;
}

export interface UnpackedEntry {
  path: string;
  type: "file" | "directory" | "other";
  /** The size the archive declares; content may be shorter (see truncated). */
  size: number;
  mtimeMs: number;
  content: Buffer;
  /** True when content holds only the first maxFileBytes of the file. */
  truncated: boolean;
}

export interface ReadLimits {
  maxEntries: number;
  /** Archive bytes read in all (headers, skipped and kept content): bounds time as well as memory. */
  maxArchiveBytes: number;
  maxFileBytes: number;
}

export interface ReadResult {
  entries: UnpackedEntry[];
  /** True when a limit stopped the reading: there may be more than `entries`. */
  truncated: boolean;
}

export const READ_MAX_ENTRIES = 1_000;
export const READ_MAX_ARCHIVE_BYTES = 16 * 1024 * 1024;
export const READ_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxEntries: READ_MAX_ENTRIES,
  maxArchiveBytes: READ_MAX_ARCHIVE_BYTES,
  maxFileBytes: READ_MAX_FILE_BYTES,
};

export class ArchivePathError extends Error {}

function checkPath(path: string): void {
  if (
    path === "" ||
    path.startsWith("/") ||
    path.includes("\0") ||
    path.split("/").some((s) => s === ".." || s === "")
  )
    throw new ArchivePathError(`refusing an archive path outside its root: ${path.slice(0, 80)}`);
}

/** A tar stream of the entries; throws before streaming anything if a path is unsafe. */
export function packTar(entries: readonly TarEntry[]): Readable {
  for (const e of entries) checkPath(e.path);
  const archive = pack();
  for (const e of entries) {
    const isDir = e.content === undefined;
    const header = {
      name: e.path,
      type: isDir ? ("directory" as const) : ("file" as const),
      mode: e.mode ?? (isDir ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: new Date(e.mtimeMs ?? Date.now()),
      size: e.content?.length ?? 0,
    };
    if (e.content === undefined) archive.entry(header);
    else archive.entry(header, e.content);
  }
  archive.finalize();
  return Readable.from(archive);
}

/** Reads an archive stream within the limits; the source is destroyed when a limit is reached. */
export function readTar(
  source: NodeJS.ReadableStream,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const entries: UnpackedEntry[] = [];
    const ex = extract();
    let settled = false;
    let consumed = 0;
    // The entry being read when the byte limit cuts the archive: what arrived of it is kept.
    let partial: (() => void) | undefined;
    const stop = (truncated: boolean, err?: unknown) => {
      if (settled) return;
      if (truncated) partial?.();
      settled = true;
      (source as Readable).destroy?.();
      ex.destroy();
      if (err !== undefined) reject(err);
      else resolve({ entries, truncated });
    };

    ex.on("entry", (header, stream, next) => {
      if (entries.length >= limits.maxEntries) {
        stop(true);
        return;
      }
      const parts: Buffer[] = [];
      let kept = 0;
      stream.on("data", (data: unknown) => {
        const chunk = data as Buffer;
        if (kept >= limits.maxFileBytes) return;
        const slice = chunk.subarray(0, limits.maxFileBytes - kept);
        parts.push(slice);
        kept += slice.length;
      });
      const finish = () => {
        partial = undefined;
        const size = header.size ?? 0;
        entries.push({
          path: header.name.replace(/\/+$/, ""),
          type:
            header.type === "file" ? "file" : header.type === "directory" ? "directory" : "other",
          size,
          mtimeMs: header.mtime?.getTime() ?? 0,
          content: Buffer.concat(parts),
          truncated: kept < size,
        });
      };
      partial = finish;
      stream.on("end", () => {
        finish();
        next();
      });
      stream.resume();
    });
    ex.on("finish", () => stop(false));
    ex.on("error", (err: unknown) => stop(false, err));

    source.on("data", (chunk: Buffer) => {
      if (settled) return;
      consumed += chunk.length;
      if (consumed > limits.maxArchiveBytes) {
        stop(true);
        return;
      }
      if (!ex.write(chunk)) source.pause();
    });
    ex.on("drain", () => source.resume());
    source.on("end", () => {
      if (!settled) ex.end(Buffer.alloc(0));
    });
    source.on("error", (err: unknown) => stop(false, err));
  });
}
