import {
  CHUNK_AVG_BYTES,
  CHUNK_MAX_BYTES,
  CHUNK_MIN_BYTES,
} from "../../edge/protocol/snapshot-wire.ts";
import { GEAR_MASKS, GEAR_TABLE } from "./gear-table.ts";

// FastCDC, the 2020 variant (Xia et al., "The Design of Fast Content-Defined Chunking for Data
// Deduplication Based Storage Systems"): a Gear hash rolled two bytes per step, cut-point skipping
// below the minimum, and normalized chunking (a stricter mask before the average size, a looser
// one after). Ported from nlfiedler/fastcdc-rs (src/v2020, `cut_gear`), normalization level 1, so
// it cuts where that crate cuts. Content-defined cuts re-synchronise after an insert, so an edit
// costs the chunks around it, not the rest of the file.
//
// Streaming: bytes are pushed in pieces of any size and only cut lengths come out; nothing is
// buffered, so a file of any size is chunked in constant memory. The stream's total length is
// needed up front, because the algorithm looks at how much is left (near the end the stricter
// mask runs to the end); a file whose size changes while read is read again anyway.
//
// The 64-bit hash is kept as two 32-bit halves: JavaScript's bit operators work on 32 bits, and
// BigInt is two orders of magnitude slower.

export interface ChunkSizes {
  min: number;
  avg: number;
  max: number;
}

export const SNAPSHOT_CHUNK_SIZES: ChunkSizes = {
  min: CHUNK_MIN_BYTES,
  avg: CHUNK_AVG_BYTES,
  max: CHUNK_MAX_BYTES,
};

// The hash is kept in two int32 parts that never overflow into a double: bits 0–23 in `lo`, bits
// 24–55 in `hi` (wrapping). Bits above 49 never reach a mask (a left shift and an addition only
// carry upwards, and the masks end at bit 48), so dropping them cuts at the same points.
const LOW_BITS = 24;
const LOW_MASK = 0xffffff;
const split = (hi: number, lo: number): [number, number] => [
  (hi << (32 - LOW_BITS)) | (lo >>> LOW_BITS) | 0,
  lo & LOW_MASK,
];
const G_HI = new Int32Array(256);
const G_LO = new Int32Array(256);
// The table shifted left by one bit, for the first byte of each two-byte step (paper §3.7).
const GLS_HI = new Int32Array(256);
const GLS_LO = new Int32Array(256);
for (let b = 0; b < 256; b++) {
  const [hi, lo] = GEAR_TABLE[b] as readonly [number, number];
  [G_HI[b], G_LO[b]] = split(hi, lo);
  [GLS_HI[b], GLS_LO[b]] = split((hi << 1) | (lo >>> 31), lo << 1);
}

export class FastCdc {
  private readonly sizes: ChunkSizes;
  // [small (strict), large (loose)] masks, each as [hi, lo] and shifted left for even bytes.
  private readonly mask: Int32Array;
  private left: number;
  private pos = 0;
  private hi = 0;
  private lo = 0;
  // The current chunk: hashing starts at `from`, uses the strict mask below `strictEnd`, stops at
  // `hashEnd`; without a cut the chunk ends at `end`.
  private from = 0;
  private strictEnd = 0;
  private hashEnd = 0;
  private end = 0;

  constructor(totalBytes: number, sizes: ChunkSizes = SNAPSHOT_CHUNK_SIZES) {
    if (
      !(sizes.min >= 64 && sizes.min % 2 === 0 && sizes.min <= sizes.avg && sizes.avg <= sizes.max)
    )
      throw new Error("chunk sizes must satisfy 64 <= min (even) <= avg <= max");
    this.sizes = sizes;
    const bits = Math.round(Math.log2(sizes.avg));
    const [sHi, sLo] = GEAR_MASKS[bits + 1] ?? [0, 0];
    const [lHi, lLo] = GEAR_MASKS[bits - 1] ?? [0, 0];
    this.mask = Int32Array.from([
      ...split(sHi, sLo),
      ...split((sHi << 1) | (sLo >>> 31), sLo << 1),
      ...split(lHi, lLo),
      ...split((lHi << 1) | (lLo >>> 31), lLo << 1),
    ]);
    this.left = totalBytes;
    this.begin();
  }

  /** Feeds the next bytes of the stream: the lengths of the chunks that end in them, in order. */
  push(piece: Uint8Array): number[] {
    const cuts: number[] = [];
    const n = piece.length;
    let i = 0;
    if (n > this.left) throw new Error("more bytes than the stream's announced length");
    while (i < n) {
      let p = this.pos;
      if (p < this.from || p >= this.hashEnd) {
        // Nothing to hash here: skip ahead to where hashing starts or the chunk ends.
        const to = p < this.from ? this.from : this.end;
        const step = Math.min(n - i, to - p);
        i += step;
        this.pos = p + step;
      } else {
        const m = this.mask;
        const strict = p < this.strictEnd;
        const o = strict ? 0 : 4;
        const stop = i + Math.min(n - i, (strict ? this.strictEnd : this.hashEnd) - p);
        // [odd hi, odd lo, even hi, even lo] of the mask this stretch uses, hoisted.
        const oh = m[o] as number;
        const ol = m[o + 1] as number;
        const eh = m[o + 2] as number;
        const el = m[o + 3] as number;
        let hi = this.hi;
        let lo = this.lo;
        let cut = -1;
        for (; i < stop; i++, p++) {
          const b = piece[i] as number;
          if ((p & 1) === 0) {
            const carried = lo >>> (LOW_BITS - 2);
            lo = ((lo << 2) & LOW_MASK) + (GLS_LO[b] as number);
            hi = ((hi << 2) + carried + (GLS_HI[b] as number) + (lo >>> LOW_BITS)) | 0;
            lo &= LOW_MASK;
            // The byte that completes the pattern starts the next chunk (as in fastcdc-rs).
            if ((hi & eh) === 0 && (lo & el) === 0) {
              cut = p;
              break;
            }
          } else {
            lo += G_LO[b] as number;
            hi = (hi + (G_HI[b] as number) + (lo >>> LOW_BITS)) | 0;
            lo &= LOW_MASK;
            if ((hi & oh) === 0 && (lo & ol) === 0) {
              cut = p;
              break;
            }
          }
        }
        this.hi = hi;
        this.lo = lo;
        this.pos = p;
        if (cut >= 0) {
          cuts.push(this.finish(cut));
          continue;
        }
      }
      if (this.pos === this.end) cuts.push(this.finish(this.end));
    }
    // An empty stream (or a push that completes a zero-length tail) has nothing to cut.
    return cuts;
  }

  private finish(length: number): number {
    this.left -= length;
    this.begin();
    return length;
  }

  private begin(): void {
    const { min, avg, max } = this.sizes;
    const remaining = Math.min(this.left, max);
    this.pos = 0;
    this.hi = 0;
    this.lo = 0;
    this.end = remaining;
    if (remaining <= min) {
      this.from = this.strictEnd = this.hashEnd = remaining;
      return;
    }
    const center = Math.min(remaining, avg);
    this.from = min;
    this.strictEnd = 2 * Math.floor(center / 2);
    this.hashEnd = 2 * Math.floor(remaining / 2);
  }
}
