import { describe, expect, it } from "vitest";
import { KeyCache } from "../llm/key-cache.ts";

describe("the gateway's key cache", () => {
  it("serves an entry until its TTL, then forgets it", () => {
    const cache = new KeyCache<string>(1_000, 10);
    cache.set("a", "employee-a", 5_000);
    expect(cache.get("a", 5_999)).toBe("employee-a");
    expect(cache.get("a", 6_000)).toBeUndefined();
    // Expired entries are dropped, not revived by a later clock.
    expect(cache.get("a", 5_500)).toBeUndefined();
  });

  it("keeps at most its bound, dropping the oldest first, and refreshes a re-set entry", () => {
    const cache = new KeyCache<number>(60_000, 3);
    for (const [i, k] of ["a", "b", "c"].entries()) cache.set(k, i, 0);
    cache.set("a", 10, 1); // refreshed: now the newest
    cache.set("d", 3, 2);
    expect(cache.get("b", 3)).toBeUndefined();
    expect(cache.get("a", 3)).toBe(10);
    expect(cache.get("c", 3)).toBe(2);
    expect(cache.get("d", 3)).toBe(3);
  });

  it("forgets a deleted entry", () => {
    const cache = new KeyCache<string>();
    cache.set("a", "x", 0);
    cache.delete("a");
    expect(cache.get("a", 1)).toBeUndefined();
  });
});
