// An R2 multipart upload fed bytes in pieces of any size and sent in parts of exactly `partBytes`
// (R2 wants every part but the last of one size, at least 5 MiB), so a writer of any size holds
// about one part in memory. The account export's zip (export/zip-writer.ts) and the snapshot packs
// (snapshots/pack-writer.ts) both write through it.
export class R2PartUpload {
  private readonly upload: R2MultipartUpload;
  private readonly partBytes: number;
  private readonly parts: R2UploadedPart[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private total = 0;

  constructor(upload: R2MultipartUpload, partBytes: number) {
    this.upload = upload;
    this.partBytes = partBytes;
  }

  /** Bytes added so far. */
  get written(): number {
    return this.total;
  }

  /** Buffers bytes; synchronous, so a callback that cannot wait (fflate's) may call it. */
  add(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    this.total += bytes.byteLength;
  }

  /** Uploads every full part waiting; the rest waits for more bytes or the end. */
  async flush(): Promise<void> {
    while (this.pendingBytes >= this.partBytes) await this.uploadPart(this.take(this.partBytes));
  }

  /** Uploads what is left (an empty part for an empty object) and completes; the size. */
  async complete(): Promise<number> {
    await this.flush();
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
