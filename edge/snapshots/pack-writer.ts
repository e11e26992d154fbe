// One pack (an R2 object of sealed chunks, one per upload request) written as it is received: an
// R2 multipart upload in parts of exactly PACK_PART_BYTES (R2 wants every part but the last of
// one size, at least 5 MiB), so an upload of any size holds about one part in memory. The same
// pattern as the account export's zip (edge/export/zip-writer.ts).

export const PACK_PART_BYTES = 8 * 1024 * 1024;

export class R2PackWriter {
  private readonly upload: R2MultipartUpload;
  private readonly parts: R2UploadedPart[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private total = 0;

  private constructor(upload: R2MultipartUpload) {
    this.upload = upload;
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
    return this.total;
  }

  /** Appends a body; its offset in the pack. Full parts go up before this returns. */
  async append(body: Uint8Array): Promise<number> {
    const offset = this.total;
    this.pending.push(body);
    this.pendingBytes += body.byteLength;
    this.total += body.byteLength;
    while (this.pendingBytes >= PACK_PART_BYTES) await this.uploadPart(this.take(PACK_PART_BYTES));
    return offset;
  }

  /** Uploads the tail and completes the object; its size. */
  async complete(): Promise<number> {
    if (this.pendingBytes > 0 || this.parts.length === 0)
      await this.uploadPart(this.take(this.pendingBytes));
    await this.upload.complete(this.parts);
    return this.total;
  }

  async abort(): Promise<void> {
    await this.upload.abort().catch(() => undefined);
  }

  private take(n: number): Uint8Array {
    const part = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0] as Uint8Array;
      const used = Math.min(head.byteLength, n - filled);
      part.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.byteLength) this.pending.shift();
      else this.pending[0] = head.subarray(used);
    }
    this.pendingBytes -= n;
    return part;
  }

  private async uploadPart(bytes: Uint8Array): Promise<void> {
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, bytes));
  }
}
