import { DurableObject } from "cloudflare:workers";
import { gcra, gcraRefund } from "./gcra.ts";

export interface TakeResult {
  ok: boolean;
  /** How long until one more request would be admitted; 0 when ok. */
  retryAfterMs: number;
}

// One object per limited key (e.g. "magic-link:email:a@b.c"). It keeps the GCRA state in its own
// durable storage, so limits survive deploys, restarts and eviction, unlike in-memory counters.
export class RateLimiter extends DurableObject {
  async take(limit: number, windowMs: number): Promise<TakeResult> {
    const step = gcra(await this.ctx.storage.get<number>("tat"), Date.now(), limit, windowMs);
    if (!step.ok) return { ok: false, retryAfterMs: step.retryAfterMs };
    await this.ctx.storage.put("tat", step.tat);
    // Forget the key once it is fully replenished, so idle keys cost no storage.
    await this.ctx.storage.setAlarm(step.tat);
    return { ok: true, retryAfterMs: 0 };
  }

  // Gives back one request `take` counted: for a limit on failures that must be consulted before
  // the outcome is known (the LLM gateway's key lookups, edge/llm/key-lookup-limit.ts).
  async refund(limit: number, windowMs: number): Promise<void> {
    const tat = gcraRefund(await this.ctx.storage.get<number>("tat"), Date.now(), limit, windowMs);
    if (tat !== undefined) await this.ctx.storage.put("tat", tat);
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
