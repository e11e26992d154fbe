// One pack (an R2 object of sealed chunks, one per upload request) written as it is received: an
// R2 multipart upload in parts of exactly PACK_PART_BYTES (R2 wants every part but the last of
// one size, at least 5 MiB), so an upload of any size holds about one part in memory. The parts
// are store/r2-part-upload.ts's, as for the account export's zip.

import { R2PartUpload } from "../store/r2-part-upload.ts";

export const PACK_PART_BYTES = 8 * 1024 * 1024;

export class R2PackWriter {
  private readonly parts: R2PartUpload;

  private constructor(upload: R2MultipartUpload) {
    this.parts = new R2PartUpload(upload, PACK_PART_BYTES);
  }

  static async open(bucket: R2Bucket, key: string): Promise<R2PackWriter> {
    return new R2PackWriter(
      await bucket.createMultipartUpload(key, {
        httpMetadata: { contentType: "application/octet-stream" },
      }),
    );
  }

  /** Bytes appended so far: the offset the next body starts at. */
  get written(): number {
    return this.parts.written;
  }

  /** Appends a body; its offset in the pack. Full parts go up before this returns. */
  async append(body: Uint8Array): Promise<number> {
    const offset = this.parts.written;
    this.parts.add(body);
    await this.parts.flush();
    return offset;
  }

  /** Uploads the tail and completes the object; its size. */
  complete(): Promise<number> {
    return this.parts.complete();
  }

  abort(): Promise<void> {
    return this.parts.abort();
  }
}
