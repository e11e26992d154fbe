import type { Env } from "../env.ts";
import { tooManyRequests } from "../http/api-error.ts";
import type { Limit } from "../services/rate-limits.ts";

// Keys the gateway has to look up in D1 and does not find, per client address: random keys must
// not turn into a flood of D1 reads (past a burst of 60, one lookup every 10 seconds). A burst
// this large because every employee of a node reaches the edge from the node's address, and a
// stopped employee's last calls fail here too.
export const LLM_KEY_FAILURES_PER_IP: Limit = {
  name: "llm:key-failures:ip",
  limit: 60,
  windowMs: 10 * 60_000,
  what: "requests with unknown API keys from your network",
};

export interface KeyLookup {
  /** The key was valid: its lookup does not count. */
  valid(): Promise<void>;
}

// Only failures count, yet the count must be consulted before D1 is, so each lookup takes its
// unit up front (past the limit: 429, and D1 is never asked) and gives it back once the key
// proved valid. Concurrent lookups therefore never exceed the limit either. A key found in the
// isolate's cache comes nowhere near this.
export async function beginKeyLookup(
  env: Pick<Env, "RATE_LIMITER">,
  ip: string,
  limit = LLM_KEY_FAILURES_PER_IP,
): Promise<KeyLookup> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${limit.name}:${ip}`));
  const taken = await stub.take(limit.limit, limit.windowMs);
  if (!taken.ok) throw tooManyRequests(taken.retryAfterMs, limit.what);
  return { valid: () => stub.refund(limit.limit, limit.windowMs) };
}
