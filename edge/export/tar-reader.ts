import { extract } from "tar-stream";
import { hasHiddenCharacters } from "./zip-names.ts";

// Reads a gzip-compressed tar as a node agent uploads an employee's workspace, one regular file
// at a time, without holding more than a chunk. The archive comes from a container through its
// node, so it is read as hostile: paths are checked and made relative, anything but regular files
// is skipped, and the reading stops at a number of files and of unpacked bytes (a small gzip can
// unpack to gigabytes), saying it stopped.

export interface TarLimits {
  maxFiles: number;
  /** Unpacked bytes of file content in all. */
  maxBytes: number;
}

export interface TarFile {
  /** Relative, "/"-separated, no "." or ".." segments. */
  path: string;
  size: number;
  mtimeMs: number | undefined;
  chunks: AsyncIterable<Uint8Array>;
}

export interface TarSummary {
  files: number;
  bytes: number;
  skipped: number;
  /** True when a limit stopped the reading: the archive holds more. */
  truncated: boolean;
}

const PATH_MAX_CHARS = 1000;

/**
 * The entry's path made safe and relative, or null when it cannot be: control and bidi characters
 * (zip-names.ts) and "\\" (another system's separator) are refused rather than replaced, so two
 * files never become one name; a leading "/" is dropped and ".." refused.
 */
export function safeTarPath(name: string): string | null {
  if (name.length > PATH_MAX_CHARS || name.includes("\\") || hasHiddenCharacters(name)) return null;
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0 || segments.includes("..")) return null;
  return segments.join("/");
}

export async function readTarGz(
  gzip: ReadableStream<Uint8Array>,
  limits: TarLimits,
  onFile: (file: TarFile) => Promise<void>,
): Promise<TarSummary> {
  const summary: TarSummary = { files: 0, bytes: 0, skipped: 0, truncated: false };
  const ex = extract();
  const reader = gzip.pipeThrough(new DecompressionStream("gzip")).getReader();
  let stop = false;
  let closed = false;
  ex.on("close", () => {
    closed = true;
  });
  // The archive flows into the parser with its backpressure; it stops when the reading below
  // has seen enough (or failed), and the rest is never decompressed.
  const pump = (async () => {
    try {
      for (;;) {
        if (stop || closed) break;
        const { done, value } = await reader.read();
        if (done) break;
        if (!ex.write(value) && !closed)
          await new Promise<void>((resolve) => {
            ex.once("drain", resolve);
            ex.once("close", resolve);
          });
      }
      if (stop || closed) await reader.cancel().catch(() => undefined);
      else ex.end(new Uint8Array(0));
    } catch (err) {
      ex.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();

  try {
    for await (const entry of ex) {
      const path = entry.header.type === "file" ? safeTarPath(entry.header.name) : null;
      if (path === null) {
        if (entry.header.type === "file") summary.skipped++;
        entry.resume();
        continue;
      }
      if (summary.files >= limits.maxFiles) {
        summary.truncated = true;
        stop = true;
        entry.resume();
        break;
      }
      let cut = false;
      const room = limits.maxBytes - summary.bytes;
      const counted = async function* () {
        let seen = 0;
        for await (const chunk of entry as AsyncIterable<Uint8Array>) {
          if (seen + chunk.byteLength > room) {
            cut = true;
            yield chunk.subarray(0, room - seen);
            seen = room;
            break;
          }
          seen += chunk.byteLength;
          yield chunk;
        }
        summary.bytes += seen;
      };
      await onFile({
        path,
        size: entry.header.size ?? 0,
        mtimeMs: entry.header.mtime?.getTime(),
        chunks: counted(),
      });
      summary.files++;
      if (cut) {
        summary.truncated = true;
        stop = true;
        break;
      }
    }
  } finally {
    stop = true;
    if (!closed) ex.destroy();
    await pump;
  }
  return summary;
}
