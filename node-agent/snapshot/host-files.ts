import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import { ChunkDigester, type ChunkRef, StreamLengthError } from "./chunk-digests.ts";
import { FastCdc } from "./fastcdc.ts";
import type { ChunkBody, ChunkSource } from "./snapshot-uploader.ts";
import { type FileEntry, type FileKey, fileKey, mtimeMsOf } from "./state-walker.ts";

// Files read on the host (the employee's data folder, or the agent's own copy of a paused one) as
// a source of chunks. Digesting reads a file once and keeps only its chunks' digests and offsets;
// the bytes of the chunks the edge lacks are read again by offset and checked against their
// digest. A file that changed in between (the employee kept working) is read again whole, and its
// entry takes the new version, so a manifest never names bytes that were not sent.

/** Bytes read from a file at a time. */
export const READ_PIECE_BYTES = 1024 * 1024;
/** A file changing while it is read is read again this many times, then taken as last read. */
export const READ_ATTEMPTS = 3;

export interface HostFile {
  entry: FileEntry;
  refs: ChunkRef[];
  key: FileKey;
  open: () => Promise<FileHandle | null>;
}

export class FileChangedError extends Error {}

/**
 * Digests an open file: its chunks and the key of the version read. A file whose size, mtime or
 * ctime changed while it was read is read again, up to READ_ATTEMPTS times.
 */
export async function digestFile(
  open: () => Promise<FileHandle | null>,
  onBytes?: (n: number) => void,
): Promise<{ refs: ChunkRef[]; key: FileKey; size: number; mtimeMs: number } | null> {
  for (let attempt = 1; ; attempt++) {
    const handle = await open();
    if (!handle) return null;
    try {
      const before = await handle.stat({ bigint: true });
      const size = Number(before.size);
      const digester = new ChunkDigester(size);
      let ok = true;
      try {
        for await (const piece of readPieces(handle, size)) {
          digester.push(piece);
          onBytes?.(piece.byteLength);
        }
        digester.end();
      } catch (err) {
        if (!(err instanceof StreamLengthError)) throw err;
        ok = false;
      }
      const after = await handle.stat({ bigint: true });
      if (ok && fileKey(after) === fileKey(before))
        return { refs: digester.chunks, key: fileKey(after), size, mtimeMs: mtimeMsOf(after) };
      if (attempt >= READ_ATTEMPTS && ok)
        return {
          refs: digester.chunks,
          key: `changed:${fileKey(after)}`,
          size,
          mtimeMs: mtimeMsOf(before),
        };
      if (attempt >= READ_ATTEMPTS) throw new FileChangedError("a file kept changing while read");
    } finally {
      await handle.close();
    }
  }
}

/** Up to `size` bytes from the start, in pieces; fewer when the file shrank. */
export async function* readPieces(handle: FileHandle, size: number): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafe(Math.min(READ_PIECE_BYTES, Math.max(size, 1)));
  let at = 0;
  while (at < size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
    if (bytesRead === 0) throw new StreamLengthError("the file shrank while read");
    at += bytesRead;
    // The consumer hashes the piece before asking for the next: the buffer can be reused.
    yield buffer.subarray(0, bytesRead);
  }
}

export class HostFiles implements ChunkSource {
  readonly files: HostFile[] = [];

  *digests(): Iterable<string> {
    for (const f of this.files) for (const r of f.refs) yield r.sha256;
  }

  async *bodies(wanted: ReadonlySet<string>): AsyncIterable<ChunkBody> {
    for (const file of this.files) {
      const need = file.refs.filter((r) => wanted.has(r.sha256));
      if (need.length === 0) continue;
      const handle = await file.open();
      let changed = handle === null;
      try {
        for (const ref of need) {
          if (!handle) break;
          const bytes = Buffer.allocUnsafe(ref.length);
          const { bytesRead } = await handle.read(bytes, 0, ref.length, ref.offset);
          if (
            bytesRead !== ref.length ||
            createHash("sha256").update(bytes).digest("hex") !== ref.sha256
          ) {
            changed = true;
            break;
          }
          yield { sha256: ref.sha256, bytes };
        }
      } finally {
        await handle?.close();
      }
      if (changed) yield* this.reread(file);
    }
  }

  // The whole file again, cut and sent as it is read: its entry becomes this version.
  private async *reread(file: HostFile): AsyncIterable<ChunkBody> {
    const handle = await file.open();
    if (!handle)
      throw new RuntimeError(
        "state_changed",
        `${file.entry.path} disappeared during the snapshot`,
        true,
      );
    try {
      const st = await handle.stat({ bigint: true });
      const size = Number(st.size);
      const cdc = new FastCdc(size);
      const refs: ChunkRef[] = [];
      let parts: Buffer[] = [];
      let offset = 0;
      let start = 0;
      for await (const piece of readPieces(handle, size)) {
        let at = 0;
        for (const length of cdc.push(piece)) {
          const end = start + length - offset;
          parts.push(Buffer.from(piece.subarray(at, end)));
          at = end;
          const bytes = Buffer.concat(parts);
          parts = [];
          const sha256 = createHash("sha256").update(bytes).digest("hex");
          refs.push({ sha256, offset: start, length });
          start += length;
          yield { sha256, bytes };
        }
        if (at < piece.length) parts.push(Buffer.from(piece.subarray(at)));
        offset += piece.length;
      }
      file.refs = refs;
      file.key = `changed:${fileKey(st)}`;
      file.entry.size = size;
      file.entry.mtimeMs = mtimeMsOf(st);
      file.entry.chunks = refs.map((r) => r.sha256);
    } catch (err) {
      if (err instanceof StreamLengthError)
        throw new RuntimeError("state_changed", `${file.entry.path} shrank while read`, true);
      throw err;
    } finally {
      await handle.close();
    }
  }
}
