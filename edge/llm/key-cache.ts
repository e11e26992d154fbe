// How long a Worker isolate trusts a key lookup it made in D1. What a key maps to (employee and
// account) never changes; revocation does not wait for this, because the account's BudgetDO
// refuses a revoked key on the same call that admits the request. What can be this stale is the
// account's plan: an upgrade or downgrade reaches the gateway's budget and model list within it.
export const KEY_CACHE_TTL_MS = 60_000;
// Bounds the isolate's memory (an entry is a few hundred bytes); the oldest entry goes first.
export const KEY_CACHE_MAX_ENTRIES = 10_000;

// A per-isolate map from a key's hash to what D1 said about it, so a busy employee's requests
// skip the database: OpenClaw sends many in a row (a tool loop), and they land on the same isolate.
// Only keys D1 accepted are kept; an unknown key is looked up every time.
export class KeyCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs = KEY_CACHE_TTL_MS, maxEntries = KEY_CACHE_MAX_ENTRIES) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(keyHash: string, now: number): T | undefined {
    const hit = this.entries.get(keyHash);
    if (!hit) return undefined;
    if (now - hit.at >= this.ttlMs) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return hit.value;
  }

  set(keyHash: string, value: T, now: number): void {
    this.entries.delete(keyHash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(keyHash, { value, at: now });
  }

  delete(keyHash: string): void {
    this.entries.delete(keyHash);
  }
}
