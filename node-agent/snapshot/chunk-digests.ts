import { createHash, type Hash } from "node:crypto";
import { type ChunkSizes, FastCdc, SNAPSHOT_CHUNK_SIZES } from "./fastcdc.ts";

// A stream of known length → its chunks as (offset, length, SHA-256), in order. Only digests come
// out: the bytes are hashed as they pass and dropped, so memory does not grow with the stream.
// The uploader reads the bytes of the few chunks the edge lacks again, by offset.

export interface ChunkRef {
  sha256: string;
  offset: number;
  length: number;
}

/** Thrown when the stream does not have the length it announced (it changed while read). */
export class StreamLengthError extends Error {}

export class ChunkDigester {
  private readonly cdc: FastCdc;
  private readonly total: number;
  private hash: Hash = createHash("sha256");
  private offset = 0;
  private chunkStart = 0;
  readonly chunks: ChunkRef[] = [];

  constructor(totalBytes: number, sizes: ChunkSizes = SNAPSHOT_CHUNK_SIZES) {
    this.total = totalBytes;
    this.cdc = new FastCdc(totalBytes, sizes);
  }

  /** Feeds bytes; returns the chunks completed by them. */
  push(piece: Uint8Array): ChunkRef[] {
    if (this.offset + piece.length > this.total)
      throw new StreamLengthError(`more than the ${this.total} bytes announced`);
    const done: ChunkRef[] = [];
    let at = 0;
    for (const length of this.cdc.push(piece)) {
      const end = this.chunkStart + length - this.offset;
      this.hash.update(piece.subarray(at, end));
      at = end;
      const ref = { sha256: this.hash.digest("hex"), offset: this.chunkStart, length };
      done.push(ref);
      this.chunks.push(ref);
      this.chunkStart += length;
      this.hash = createHash("sha256");
    }
    if (at < piece.length) this.hash.update(piece.subarray(at));
    this.offset += piece.length;
    return done;
  }

  /** The stream ended: every byte must have come and been cut. */
  end(): ChunkRef[] {
    if (this.offset !== this.total || this.chunkStart !== this.total)
      throw new StreamLengthError(`${this.offset} bytes of the ${this.total} announced`);
    return this.chunks;
  }
}

/** Every chunk of a stream read in pieces. */
export async function digestStream(
  pieces: AsyncIterable<Uint8Array>,
  totalBytes: number,
  sizes?: ChunkSizes,
): Promise<ChunkRef[]> {
  const digester = new ChunkDigester(totalBytes, sizes);
  for await (const piece of pieces) digester.push(piece);
  return digester.end();
}
