// GCRA, the "generic cell rate algorithm": admits `limit` requests per `windowMs` with bursts up
// to `limit`, keeping one number per key (the theoretical arrival time). Pure, so the standalone
// RateLimiter and the account's BudgetDO count the same way.
export interface GcraStep {
  ok: boolean;
  /** The key's theoretical arrival time after this request; store it only when ok. */
  tat: number;
  /** How long until one more request would be admitted; 0 when ok. */
  retryAfterMs: number;
}

export function gcra(
  storedTat: number | undefined,
  now: number,
  limit: number,
  windowMs: number,
): GcraStep {
  const next = Math.max(storedTat ?? now, now) + windowMs / limit;
  if (next - now > windowMs) {
    return { ok: false, tat: storedTat ?? now, retryAfterMs: Math.ceil(next - now - windowMs) };
  }
  return { ok: true, tat: next, retryAfterMs: 0 };
}

// Gives one admitted request back: the arrival time it added is taken off again, never to before
// `now` (a full bucket stays full).
export function gcraRefund(
  storedTat: number | undefined,
  now: number,
  limit: number,
  windowMs: number,
): number | undefined {
  if (storedTat === undefined) return undefined;
  return Math.max(now, storedTat - windowMs / limit);
}
