// How snapshot chunks travel between the agent and the edge (issue 16), both ways, as one byte
// stream of frames:
//
//   [u32 big-endian body length][32 bytes: SHA-256 of the chunk's plaintext][u8 flag][body]
//
// flag 0: the body is the plaintext; flag 1: the body is the plaintext deflated (deflate-raw,
// RFC 1951), used when that saves at least 5 %. The receiver inflates, checks the digest and
// refuses the stream at the first frame that does not match. Runtime-neutral: Uint8Array only,
// so the agent (Node) and the edge (workerd) share this one codec.
//
// The agent's routes (node token; the employee must be placed on that node):
//   POST /agent/snapshots/:snapshotId/have      {chunks: sha[]} → {missing: sha[]}
//   POST /agent/snapshots/:snapshotId/packs     frames, ≤ PACK_MAX_BYTES → {stored, bytes}
//   PUT  /agent/snapshots/:snapshotId/manifest  manifest JSON → {manifestSha256}
//   GET  /agent/snapshots/:snapshotId/manifest  → the manifest's bytes (checked by the edge)
//   POST /agent/snapshots/:snapshotId/chunks    {chunks: sha[]} → frames, in that order

/** Content-defined chunking (FastCDC): a file under the minimum is one chunk. */
export const CHUNK_MIN_BYTES = 256 * 1024;
export const CHUNK_AVG_BYTES = 1024 * 1024;
export const CHUNK_MAX_BYTES = 4 * 1024 * 1024;
/** One upload request's body: under every Cloudflare plan's request limit (100 MB). */
export const PACK_MAX_BYTES = 64 * 1024 * 1024;
/** Digests per have/chunks request. */
export const HAVE_MAX_CHUNKS = 10_000;
export const FETCH_MAX_CHUNKS = 256;

export const FRAME_HEADER_BYTES = 4 + 32 + 1;
export const FLAG_RAW = 0;
export const FLAG_DEFLATE = 1;
export type ChunkFlag = typeof FLAG_RAW | typeof FLAG_DEFLATE;

export interface ChunkFrame {
  /** SHA-256 of the plaintext, lowercase hex. */
  sha256: string;
  flag: ChunkFlag;
  body: Uint8Array;
}

export class SnapshotWireError extends Error {
  readonly code: "frame_too_large" | "bad_flag" | "truncated";
  constructor(code: SnapshotWireError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]*$/.test(hex) || hex.length % 2 !== 0) throw new Error("not lowercase hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// A deflated body may be a little larger than its plaintext for data that does not compress;
// the sender then sends it raw, so no legitimate body exceeds the maximum chunk.
const MAX_BODY_BYTES = CHUNK_MAX_BYTES;

/** The header of one frame; the body follows it on the wire (sent separately, not copied). */
export function encodeFrameHeader(sha256: string, flag: ChunkFlag, bodyBytes: number): Uint8Array {
  if (bodyBytes > MAX_BODY_BYTES)
    throw new SnapshotWireError("frame_too_large", `chunk body of ${bodyBytes} bytes`);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, bodyBytes);
  header.set(fromHex(sha256), 4);
  header[36] = flag;
  return header;
}

/**
 * Reads frames from a byte stream fed in pieces of any size. Holds at most one frame's body:
 * a length over the maximum chunk is refused before any of its body is buffered.
 */
export class ChunkFrameDecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  push(piece: Uint8Array): ChunkFrame[] {
    if (piece.byteLength > 0) {
      this.pending.push(piece);
      this.pendingBytes += piece.byteLength;
    }
    const frames: ChunkFrame[] = [];
    for (;;) {
      if (this.pendingBytes < FRAME_HEADER_BYTES) return frames;
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
      if (length > MAX_BODY_BYTES)
        throw new SnapshotWireError("frame_too_large", `chunk body of ${length} bytes`);
      const flag = header[36];
      if (flag !== FLAG_RAW && flag !== FLAG_DEFLATE)
        throw new SnapshotWireError("bad_flag", `unknown chunk flag ${flag}`);
      if (this.pendingBytes < FRAME_HEADER_BYTES + length) return frames;
      const whole = this.take(FRAME_HEADER_BYTES + length);
      frames.push({
        sha256: toHex(whole.subarray(4, 36)),
        flag,
        body: whole.subarray(FRAME_HEADER_BYTES),
      });
    }
  }

  /** The stream ended: anything left over is a truncated frame. */
  end(): void {
    if (this.pendingBytes > 0)
      throw new SnapshotWireError(
        "truncated",
        `stream ended inside a frame (${this.pendingBytes} bytes)`,
      );
  }

  private peek(n: number): Uint8Array {
    const first = this.pending[0];
    if (first && first.byteLength >= n) return first.subarray(0, n);
    const joined = this.join();
    return joined.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const joined = this.join();
    const out = joined.slice(0, n);
    const rest = joined.subarray(n);
    this.pending = rest.byteLength > 0 ? [rest] : [];
    this.pendingBytes = rest.byteLength;
    return out;
  }

  private join(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0] as Uint8Array;
    const joined = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      joined.set(p, at);
      at += p.byteLength;
    }
    this.pending = [joined];
    return joined;
  }
}
