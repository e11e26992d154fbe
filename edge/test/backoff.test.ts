// The one retry schedule (edge/protocol/backoff.ts) as a plain function, and the lifecycle's
// name for it: capped, doubling, jittered, and sane for any attempt number.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  backoff,
  RETRY_BACKOFF_BASE_MS,
  RETRY_BACKOFF_MAX_MS,
} from "../objects/employee-timeouts.ts";
import { backoffDelay } from "../protocol/backoff.ts";

const limits = { baseMs: 500, maxMs: 30_000 };
const lowest = () => 0;
const highest = () => 1 - Number.EPSILON;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("backoffDelay", () => {
  it("waits between half the base and the base before the first retry", () => {
    expect(backoffDelay(1, limits, lowest)).toBe(250);
    expect(backoffDelay(1, limits, highest)).toBe(500);
    expect(backoffDelay(1, limits, () => 0.5)).toBe(375);
  });

  it("doubles with each attempt until the cap, then stays at it", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n, limits, highest));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    const floors = [1, 2, 3, 7, 20].map((n) => backoffDelay(n, limits, lowest));
    expect(floors).toEqual([250, 500, 1000, 15_000, 15_000]);
  });

  it("never waits longer than the cap nor less than half of it once capped", () => {
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(30, limits);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it("spreads a fleet retrying the same attempt", () => {
    const waits = new Set(Array.from({ length: 200 }, () => backoffDelay(5, limits)));
    expect(waits.size).toBeGreaterThan(50);
  });

  it("gives a finite wait within the cap for any attempt number and any draw", () => {
    for (const attempt of [0, -3, 0.5, Number.NaN, 1e9, Number.POSITIVE_INFINITY, -Infinity]) {
      for (const draw of [-1, 0, 0.5, 2, Number.NaN]) {
        const d = backoffDelay(attempt, limits, () => draw);
        expect(Number.isFinite(d), `attempt ${attempt}, draw ${draw}`).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(limits.maxMs);
      }
    }
    // Nothing before the first retry: attempt 0 (or nonsense) waits like attempt 1.
    expect(backoffDelay(0, limits, highest)).toBe(500);
    expect(backoffDelay(Number.NaN, limits, highest)).toBe(500);
    expect(backoffDelay(Number.POSITIVE_INFINITY, limits, highest)).toBe(30_000);
  });
});

describe("the lifecycle's retries", () => {
  it("never wait longer than their cap, whatever the draw", () => {
    vi.spyOn(Math, "random").mockReturnValue(1 - Number.EPSILON);
    for (let attempt = 1; attempt <= 10; attempt++)
      expect(backoff(attempt, RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS)).toBeLessThanOrEqual(
        RETRY_BACKOFF_MAX_MS,
      );
  });
});
