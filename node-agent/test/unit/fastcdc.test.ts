// FastCDC as the snapshots use it: cuts where the published algorithm cuts (a slow, literal BigInt
// port of fastcdc-rs's cut_gear is the reference), whatever pieces the stream comes in; within the
// size bounds; an insert moves few chunks; a large stream in flat memory.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CHUNK_AVG_BYTES,
  CHUNK_MAX_BYTES,
  CHUNK_MIN_BYTES,
} from "../../../edge/protocol/snapshot-wire.ts";
import { ChunkDigester } from "../../snapshot/chunk-digests.ts";
import { type ChunkSizes, FastCdc } from "../../snapshot/fastcdc.ts";
import { GEAR_MASKS, GEAR_TABLE } from "../../snapshot/gear-table.ts";

const MiB = 1024 * 1024;
const SMALL: ChunkSizes = { min: 4096, avg: 16384, max: 65535 };

// A seeded generator (xorshift32): the same bytes on every run.
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

// fastcdc-rs v2020 cut_gear, word for word, in 64-bit BigInt arithmetic.
const M64 = (1n << 64n) - 1n;
const big = ([hi, lo]: readonly [number, number]) => (BigInt(hi) << 32n) | BigInt(lo);
const GEAR = GEAR_TABLE.map(big);
const GEAR_LS = GEAR.map((g) => (g << 1n) & M64);
function referenceCuts(src: Uint8Array, s: ChunkSizes): number[] {
  const bits = Math.round(Math.log2(s.avg));
  const maskS = big(GEAR_MASKS[bits + 1] as [number, number]);
  const maskL = big(GEAR_MASKS[bits - 1] as [number, number]);
  const [maskSLs, maskLLs] = [(maskS << 1n) & M64, (maskL << 1n) & M64];
  const cut = (start: number): number => {
    let remaining = src.length - start;
    if (remaining <= s.min) return remaining;
    let center = s.avg;
    if (remaining > s.max) remaining = s.max;
    else if (remaining < center) center = remaining;
    let index = Math.floor(s.min / 2);
    let hash = 0n;
    const at = (k: number) => src[start + k] as number;
    for (; index < Math.floor(center / 2); index++) {
      const a = index * 2;
      hash = ((hash << 2n) + (GEAR_LS[at(a)] as bigint)) & M64;
      if ((hash & maskSLs) === 0n) return a;
      hash = (hash + (GEAR[at(a + 1)] as bigint)) & M64;
      if ((hash & maskS) === 0n) return a + 1;
    }
    for (; index < Math.floor(remaining / 2); index++) {
      const a = index * 2;
      hash = ((hash << 2n) + (GEAR_LS[at(a)] as bigint)) & M64;
      if ((hash & maskLLs) === 0n) return a;
      hash = (hash + (GEAR[at(a + 1)] as bigint)) & M64;
      if ((hash & maskL) === 0n) return a + 1;
    }
    return remaining;
  };
  const out: number[] = [];
  for (let start = 0; start < src.length; ) {
    const n = cut(start);
    out.push(n);
    start += n;
  }
  return out;
}

function cuts(data: Uint8Array, sizes?: ChunkSizes, piece = data.length): number[] {
  const cdc = new FastCdc(data.length, sizes);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += piece) out.push(...cdc.push(data.subarray(i, i + piece)));
  return out;
}

function digests(data: Uint8Array): string[] {
  const d = new ChunkDigester(data.length);
  d.push(data);
  return d.end().map((c) => c.sha256);
}

describe("FastCDC", () => {
  it("cuts where fastcdc-rs's cut_gear cuts, for any piece size", () => {
    // Low-entropy stretches (runs of one byte) hit the max-size cut; the rest, content cuts.
    const data = bytes(3 * MiB, 7);
    data.fill(0, MiB, MiB + 200_000);
    const expected = referenceCuts(data, SMALL);
    expect(expected.length).toBeGreaterThan(60);
    for (const piece of [1, 7, 4096, 65_537, data.length])
      expect(cuts(data, SMALL, piece)).toEqual(expected);
    // The agent's sizes too (fewer chunks: a 12 MiB stream).
    const large = bytes(12 * MiB, 3);
    expect(cuts(large, undefined, 999_999)).toEqual(
      referenceCuts(large, { min: CHUNK_MIN_BYTES, avg: CHUNK_AVG_BYTES, max: CHUNK_MAX_BYTES }),
    );
  });

  it("is deterministic and keeps every chunk within the bounds", () => {
    const data = bytes(64 * MiB, 11);
    const first = cuts(data, undefined, MiB);
    expect(cuts(data, undefined, 333_333)).toEqual(first);
    expect(first.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const n of first.slice(0, -1)) {
      expect(n).toBeGreaterThanOrEqual(CHUNK_MIN_BYTES);
      expect(n).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
    }
    const mean = data.length / first.length;
    expect(mean).toBeGreaterThan(CHUNK_AVG_BYTES * 0.6);
    expect(mean).toBeLessThan(CHUNK_AVG_BYTES * 1.6);
    // Nothing to cut: one chunk of a small file, none of an empty one, max-size chunks of zeros.
    expect(cuts(bytes(1000))).toEqual([1000]);
    expect(cuts(new Uint8Array(0))).toEqual([]);
    expect(cuts(new Uint8Array(9 * MiB))).toEqual([4 * MiB, 4 * MiB, MiB]);
  });

  it("changes at most two chunks when one byte is inserted", () => {
    const data = bytes(32 * MiB, 5);
    const before = new Set(digests(data));
    for (const at of [1234, 10 * MiB + 17, 31 * MiB]) {
      const edited = new Uint8Array(data.length + 1);
      edited.set(data.subarray(0, at));
      edited[at] = 42;
      edited.set(data.subarray(at), at + 1);
      const after = digests(edited);
      expect(after.filter((d) => !before.has(d)).length).toBeLessThanOrEqual(2);
    }
  });

  it("names each chunk by the SHA-256 of its bytes", () => {
    const data = bytes(6 * MiB, 9);
    const d = new ChunkDigester(data.length);
    for (let i = 0; i < data.length; i += 100_000) d.push(data.subarray(i, i + 100_000));
    for (const c of d.end())
      expect(c.sha256).toBe(
        createHash("sha256")
          .update(data.subarray(c.offset, c.offset + c.length))
          .digest("hex"),
      );
    const short = new ChunkDigester(10);
    short.push(new Uint8Array(5));
    expect(() => short.end()).toThrow(/5 bytes of the 10/);
    expect(() => new ChunkDigester(4).push(new Uint8Array(5))).toThrow(/more than/);
  });

  it("chunks a large stream in flat memory", () => {
    const total = 768 * MiB;
    const piece = bytes(MiB, 13);
    const d = new ChunkDigester(total);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let at = 0; at < total; at += MiB) {
      // A different MiB each time (a rotating stamp), so the content is not one repeated block.
      piece[0] = at & 0xff;
      piece[MiB / 2] = (at >>> 8) & 0xff;
      d.push(piece);
      if (at % (64 * MiB) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const chunks = d.end();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    // Per CPU second as well: the shared test machines' wall clock says more about their load.
    console.log(
      `fastcdc+sha256: ${(total / MiB / seconds).toFixed(0)} MB/s wall, ${(total / MiB / cpuSeconds).toFixed(0)} MB per CPU second, over ${total / MiB} MiB, ${chunks.length} chunks, rss +${((peak - rssBefore) / MiB).toFixed(0)} MiB`,
    );
    expect(peak - rssBefore).toBeLessThan(64 * MiB);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(total);
  }, 120_000);
});
