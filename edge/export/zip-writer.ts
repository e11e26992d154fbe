import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { R2PartUpload } from "../store/r2-part-upload.ts";

// A zip written straight into R2 as it is made, so an export of any size holds about one part in
// memory: fflate (streaming, one file after another) produces the archive, and it goes up as an
// R2 multipart upload in parts of exactly ZIP_PART_BYTES (R2 wants every part but the last of one
// size, and at least 5 MiB). The zip is the classic format without ZIP64, so the whole stays
// under EXPORT_MAX_ZIP_BYTES, which the caller checks with `written` before adding more.

export const ZIP_PART_BYTES = 8 * 1024 * 1024;
/** Below the 4 GiB a zip without ZIP64 can address, with room for the entry in progress. */
export const EXPORT_MAX_ZIP_BYTES = 3 * 1024 * 1024 * 1024;
// Already compressed: stored as they are rather than deflated again for nothing.
const STORED =
  /\.(zip|gz|tgz|bz2|xz|7z|png|jpe?g|gif|webp|avif|mp3|mp4|m4a|mov|webm|docx|xlsx|pptx|odt|ods)$/i;
const DEFLATE_LEVEL = 6;
/**
 * Entries one zip holds at most. The classic end record counts entries in 16 bits and fflate has
 * no ZIP64, so a 65,536th entry would wrap the count (tools that trust it show part of the zip);
 * the margin leaves room for what the caller writes last (account.json, a note).
 */
export const ZIP_MAX_ENTRIES = 65_000;
// The dates a zip entry can hold (DOS time: 1980 to 2099); fflate throws outside them. A date
// outside is clamped to the nearest end rather than failing the entry (a container can set any
// mtime, and a clock can be wrong); a date that is no date is left out (fflate then uses now).
const ZIP_DATE_MIN = Date.UTC(1980, 0, 2);
const ZIP_DATE_MAX = Date.UTC(2099, 11, 31);

/** The entry date the zip can hold for `mtime`, or undefined when there is none. */
export function zipDate(mtime: number | undefined): number | undefined {
  if (mtime === undefined || !Number.isFinite(mtime)) return undefined;
  return Math.min(Math.max(mtime, ZIP_DATE_MIN), ZIP_DATE_MAX);
}

const encoder = new TextEncoder();

export class R2ZipWriter {
  private readonly zip: Zip;
  private readonly parts: R2PartUpload;
  private count = 0;
  private failure: Error | null = null;
  private ended = false;

  private constructor(upload: R2MultipartUpload) {
    this.parts = new R2PartUpload(upload, ZIP_PART_BYTES);
    this.zip = new Zip((err, chunk, final) => {
      if (err) this.failure = err;
      else {
        this.parts.add(chunk);
        if (final) this.ended = true;
      }
    });
  }

  static async open(bucket: R2Bucket, key: string): Promise<R2ZipWriter> {
    return new R2ZipWriter(
      await bucket.createMultipartUpload(key, {
        httpMetadata: { contentType: "application/zip" },
      }),
    );
  }

  /** True once the zip cannot be completed (an upload failed): stop and abort. */
  get broken(): boolean {
    return this.failure !== null;
  }

  /** Entries added so far. */
  get entries(): number {
    return this.count;
  }

  /** Bytes of zip produced so far. */
  get written(): number {
    return this.parts.written;
  }

  /** A whole file from memory. */
  async add(name: string, content: Uint8Array | string, mtime?: number): Promise<void> {
    const entry = this.entry(name, mtime);
    entry.push(typeof content === "string" ? encoder.encode(content) : content, true);
    await this.drain();
  }

  /**
   * A file from a stream of chunks, uploaded as it comes. `maxBytes` cuts it (the entry then holds
   * what came before the cut); returns the bytes taken and whether it was cut. A source that fails
   * midway still ends its entry (with what came), so the zip stays whole, and the error is thrown.
   */
  async addStream(
    name: string,
    chunks: AsyncIterable<Uint8Array>,
    opts: { mtime?: number | undefined; maxBytes?: number } = {},
  ): Promise<{ bytes: number; truncated: boolean }> {
    const entry = this.entry(name, opts.mtime);
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    let bytes = 0;
    let truncated = false;
    try {
      for await (const chunk of chunks) {
        const room = max - bytes;
        const taken = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
        if (taken.byteLength > 0) entry.push(taken, false);
        bytes += taken.byteLength;
        await this.drain();
        if (taken.byteLength < chunk.byteLength) {
          truncated = true;
          break;
        }
      }
    } finally {
      if (!this.failure) entry.push(new Uint8Array(0), true);
    }
    await this.drain();
    return { bytes, truncated };
  }

  /** Writes the central directory and completes the upload; the zip's size in bytes. */
  async close(): Promise<number> {
    this.zip.end();
    await this.drain();
    if (!this.ended) throw new Error("the zip did not end");
    return this.guard(this.parts.complete());
  }

  async abort(): Promise<void> {
    await this.parts.abort();
  }

  private entry(name: string, mtime: number | undefined): ZipDeflate | ZipPassThrough {
    this.check();
    // The last line of defence: a caller checks `entries` and stops earlier, saying what it left.
    if (this.count >= ZIP_MAX_ENTRIES) throw new Error("the zip holds as many entries as it can");
    this.count++;
    const entry = STORED.test(name)
      ? new ZipPassThrough(name)
      : new ZipDeflate(name, { level: DEFLATE_LEVEL });
    const date = zipDate(mtime);
    if (date !== undefined) entry.mtime = date;
    this.zip.add(entry);
    return entry;
  }

  // Uploads every full part waiting; the rest waits for more bytes or the end.
  private async drain(): Promise<void> {
    this.check();
    await this.guard(this.parts.flush());
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  // A part that did not go up leaves a hole: the writer is unusable from then on.
  private async guard<T>(uploading: Promise<T>): Promise<T> {
    try {
      return await uploading;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }
}
