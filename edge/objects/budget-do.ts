import { DurableObject } from "cloudflare:workers";
import { gcra } from "./gcra.ts";

// A revoked key is remembered here at least as long as any Worker isolate may still hold it in
// its key cache (edge/llm/key-cache.ts), with a wide margin; after that D1 alone refuses it.
export const REVOKED_KEY_RETENTION_MS = 60 * 60_000;
// Longer than any request may run (the wait for the provider's first byte and a long answer's
// stream). A reservation still open after it belongs to a Worker that died or was cancelled before
// it could settle, and would otherwise hold part of the budget until the month ends.
export const RESERVATION_TTL_MS = 15 * 60_000;

export interface AdmitRequest {
  keyHash: string;
  now: number;
  month: string;
  /** The request's worst case: what is reserved until it settles. */
  estimateMicroEur: number;
  budgetMicroEur: number;
  /** The per-key rate limit: `limit` requests per `windowMs`. */
  limit: number;
  windowMs: number;
}

export type Admission =
  | { ok: true; reservationId: string }
  | { ok: false; reason: "revoked_key" }
  | { ok: false; reason: "rate_limited"; retryAfterMs: number }
  | { ok: false; reason: "budget_exceeded"; spentMicroEur: number; reservedMicroEur: number };

interface MonthState {
  spent: number;
  /** Open reservations by id: the amount held, and since when. */
  reservations: Record<string, { microEur: number; at: number }>;
}

// One per account: everything a model request must pass that changes with every request, in one
// place, so the gateway's hot path is a single call. It holds the month's LLM spend and the
// reservations of requests in flight (a request is admitted only while spent + reserved is below
// the budget and reserves its estimate at once, so concurrent requests see each other and the
// budget is overshot by at most one request's worth; one never settled expires), the per-key rate
// limit (GCRA, durable), and the account's recently revoked keys, which makes revocation immediate
// although Workers cache key lookups. Times come from the caller, so tests can move the clock.
export class BudgetDO extends DurableObject {
  admit(req: AdmitRequest): Admission {
    const kv = this.ctx.storage.kv;
    if (kv.get<number>(revokedKey(req.keyHash)) !== undefined) {
      return { ok: false, reason: "revoked_key" };
    }
    // Every attempt counts against the key's limit, whatever the budget says.
    const step = gcra(kv.get<number>(tatKey(req.keyHash)), req.now, req.limit, req.windowMs);
    if (!step.ok) return { ok: false, reason: "rate_limited", retryAfterMs: step.retryAfterMs };
    kv.put(tatKey(req.keyHash), step.tat);
    const state = this.month(req.month);
    let reserved = 0;
    let expired = false;
    for (const [id, r] of Object.entries(state.reservations)) {
      if (r.at >= req.now - RESERVATION_TTL_MS) reserved += r.microEur;
      else {
        delete state.reservations[id];
        expired = true;
      }
    }
    if (state.spent + reserved >= req.budgetMicroEur) {
      if (expired) kv.put(monthKey(req.month), state);
      return {
        ok: false,
        reason: "budget_exceeded",
        spentMicroEur: state.spent,
        reservedMicroEur: reserved,
      };
    }
    const id = crypto.randomUUID();
    state.reservations[id] = {
      microEur: Math.max(1, Math.ceil(req.estimateMicroEur)),
      at: req.now,
    };
    kv.put(monthKey(req.month), state);
    return { ok: true, reservationId: id };
  }

  settle(month: string, reservationId: string, actualMicroEur: number): number {
    const state = this.month(month);
    delete state.reservations[reservationId];
    state.spent += Math.max(0, Math.ceil(actualMicroEur));
    this.ctx.storage.kv.put(monthKey(month), state);
    return state.spent;
  }

  spent(month: string): number {
    return this.month(month).spent;
  }

  /** Requests admitted and not settled yet (expired ones included until the next admission). */
  inFlight(month: string): number {
    return Object.keys(this.month(month).reservations).length;
  }

  // Called right after D1 marked the keys revoked. Also forgets each key's rate-limit state and
  // revocations older than the retention, so the object holds only what can still matter.
  revokeKeys(keyHashes: string[], now: number): void {
    const kv = this.ctx.storage.kv;
    const expired = [...kv.list<number>({ prefix: REVOKED_PREFIX })].filter(
      ([, at]) => at < now - REVOKED_KEY_RETENTION_MS,
    );
    for (const [k] of expired) kv.delete(k);
    for (const hash of keyHashes) {
      kv.put(revokedKey(hash), now);
      kv.delete(tatKey(hash));
    }
  }

  private month(month: string): MonthState {
    return this.ctx.storage.kv.get<MonthState>(monthKey(month)) ?? { spent: 0, reservations: {} };
  }
}

const REVOKED_PREFIX = "revoked:";
const revokedKey = (hash: string) => `${REVOKED_PREFIX}${hash}`;
const tatKey = (hash: string) => `tat:${hash}`;
const monthKey = (month: string) => `month:${month}`;
