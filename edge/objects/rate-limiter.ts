import { DurableObject } from "cloudflare:workers";

export interface TakeResult {
  ok: boolean;
  /** How long until one more request would be admitted; 0 when ok. */
  retryAfterMs: number;
}

// One object per limited key (e.g. "magic-link:email:a@b.c"). It keeps a GCRA "theoretical
// arrival time" in its own durable storage, so limits survive deploys, restarts and eviction,
// unlike the old in-memory counters. GCRA admits `limit` requests per `windowMs` with bursts up
// to `limit`, using one number of state.
export class RateLimiter extends DurableObject {
  async take(limit: number, windowMs: number): Promise<TakeResult> {
    const now = Date.now();
    const interval = windowMs / limit;
    const stored = (await this.ctx.storage.get<number>("tat")) ?? now;
    const tat = Math.max(stored, now);
    const next = tat + interval;
    if (next - now > windowMs) {
      return { ok: false, retryAfterMs: Math.ceil(next - now - windowMs) };
    }
    await this.ctx.storage.put("tat", next);
    // Forget the key once it is fully replenished, so idle keys cost no storage.
    await this.ctx.storage.setAlarm(next);
    return { ok: true, retryAfterMs: 0 };
  }

  override async alarm(): Promise<void> {
    const tat = await this.ctx.storage.get<number>("tat");
    if (tat !== undefined && tat > Date.now()) {
      await this.ctx.storage.setAlarm(tat);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
