import { DurableObject } from "cloudflare:workers";
import {
  type BudgetNotice,
  budgetLevel,
  type EmployeeMonth,
  emptyEmployeeMonth,
  noticeDue,
} from "./employee-budget-limit.ts";
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
  /** The employee whose key it is: its own budget, when it has one, must have room too. */
  employeeId?: string;
  /** Its own monthly budget as the key lookup read it (null: none). A limit set here since
   * (setEmployeeBudget) wins: it is newer than any isolate's cached lookup. */
  employeeBudgetMicroEur?: number | null;
}

/** Whose budget refused a request: the account's plan, or the employee's own. */
export type BudgetScope = "account" | "employee";

export type Admission =
  | { ok: true; reservationId: string }
  | { ok: false; reason: "revoked_key" }
  | { ok: false; reason: "rate_limited"; retryAfterMs: number }
  | {
      ok: false;
      reason: "budget_exceeded";
      scope: BudgetScope;
      spentMicroEur: number;
      reservedMicroEur: number;
      limitMicroEur: number;
      /** The employee's own budget refused it, and that was not told yet this month. */
      notice?: BudgetNotice;
    };

/** What a settle did to the employee's own budget, when it crossed 80 % or 100 % of it first. */
export interface Settled {
  /** The account's spend this month. */
  spentMicroEur: number;
  employee?: {
    employeeId: string;
    spentMicroEur: number;
    limitMicroEur: number;
    notice: BudgetNotice;
  };
}

interface MonthState {
  spent: number;
  /** Open reservations by id: the amount held, since when, and for which employee. */
  reservations: Record<string, { microEur: number; at: number; employeeId?: string }>;
}

// One per account: everything a model request must pass that changes with every request, in one
// place, so the gateway's hot path is a single call. It holds the month's LLM spend and the
// reservations of requests in flight (a request is admitted only while spent + reserved is below
// the budget and reserves its estimate at once, so concurrent requests see each other and the
// budget is overshot by at most one request's worth; one never settled expires), the per-key rate
// limit (GCRA, durable), and the account's recently revoked keys, which makes revocation immediate
// although Workers cache key lookups. Times come from the caller, so tests can move the clock.
// Each employee's own budget (issue 18) is held the same way in the same object: its limit, its
// month's spend, and the account's reservations say whose they are; so the same call refuses an
// employee past its own budget, with the same overshoot of at most one request.
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
    let employeeReserved = 0;
    let expired = false;
    for (const [id, r] of Object.entries(state.reservations)) {
      if (r.at >= req.now - RESERVATION_TTL_MS) {
        reserved += r.microEur;
        if (req.employeeId !== undefined && r.employeeId === req.employeeId)
          employeeReserved += r.microEur;
      } else {
        delete state.reservations[id];
        expired = true;
      }
    }
    const refuse = (scope: BudgetScope, spent: number, held: number, limit: number) => {
      if (expired) kv.put(monthKey(req.month), state);
      return {
        ok: false as const,
        reason: "budget_exceeded" as const,
        scope,
        spentMicroEur: spent,
        reservedMicroEur: held,
        limitMicroEur: limit,
      };
    };
    if (state.spent + reserved >= req.budgetMicroEur)
      return refuse("account", state.spent, reserved, req.budgetMicroEur);
    const employeeLimit =
      req.employeeId === undefined
        ? null
        : this.employeeLimit(req.employeeId, req.employeeBudgetMicroEur ?? null);
    if (req.employeeId !== undefined && employeeLimit !== null) {
      const own = this.employeeMonth(req.month, req.employeeId);
      if (own.spent + employeeReserved >= employeeLimit) {
        const refused = refuse("employee", own.spent, employeeReserved, employeeLimit);
        const notice = noticeDue(own, 2);
        if (!notice) return refused;
        kv.put(employeeMonthKey(req.month, req.employeeId), own);
        return { ...refused, notice };
      }
    }
    const id = crypto.randomUUID();
    state.reservations[id] = {
      microEur: Math.max(1, Math.ceil(req.estimateMicroEur)),
      at: req.now,
      ...(req.employeeId !== undefined ? { employeeId: req.employeeId } : {}),
    };
    kv.put(monthKey(req.month), state);
    return { ok: true, reservationId: id };
  }

  // `employeeId`: whose spend it is when the reservation does not say (spend recorded elsewhere,
  // or a reservation that expired first); `employeeBudgetMicroEur`: its limit as the key lookup
  // read it, as in admit.
  settle(
    month: string,
    reservationId: string,
    actualMicroEur: number,
    employeeId?: string,
    employeeBudgetMicroEur?: number | null,
  ): Settled {
    const kv = this.ctx.storage.kv;
    const state = this.month(month);
    const whose = state.reservations[reservationId]?.employeeId ?? employeeId;
    const cost = Math.max(0, Math.ceil(actualMicroEur));
    delete state.reservations[reservationId];
    state.spent += cost;
    kv.put(monthKey(month), state);
    if (whose === undefined) return { spentMicroEur: state.spent };
    // Every employee's spend is kept, so a budget set mid-month starts from what it already used.
    const own = this.employeeMonth(month, whose);
    own.spent += cost;
    const limit = this.employeeLimit(whose, employeeBudgetMicroEur ?? null);
    const notice = limit === null ? null : noticeDue(own, budgetLevel(own.spent, limit));
    kv.put(employeeMonthKey(month, whose), own);
    if (!notice || limit === null) return { spentMicroEur: state.spent };
    return {
      spentMicroEur: state.spent,
      employee: { employeeId: whose, spentMicroEur: own.spent, limitMicroEur: limit, notice },
    };
  }

  spent(month: string): number {
    return this.month(month).spent;
  }

  /** The employee's own spend this month as settled here, and its limit (null: none known). */
  employeeSpent(
    month: string,
    employeeId: string,
  ): { spentMicroEur: number; limitMicroEur: number | null } {
    return {
      spentMicroEur: this.employeeMonth(month, employeeId).spent,
      limitMicroEur: this.employeeLimit(employeeId, null),
    };
  }

  // The owner set, raised or removed the employee's own budget (services/employee-budget.ts),
  // before D1: from now on every admission uses it, whatever isolates cached. `knownSpent` is
  // the month's spend D1 has recorded, for an employee whose spend this object has not seen all of
  // (it worked before budgets were kept here). The notices are asked for again, against the new
  // limit, as D1's budget_notice is cleared with it.
  setEmployeeBudget(
    employeeId: string,
    limitMicroEur: number | null,
    month: string,
    knownSpentMicroEur: number,
  ): void {
    const kv = this.ctx.storage.kv;
    kv.put(limitKey(employeeId), { microEur: limitMicroEur });
    const own = this.employeeMonth(month, employeeId);
    own.spent = Math.max(own.spent, Math.ceil(knownSpentMicroEur));
    own.notice = 0;
    kv.put(employeeMonthKey(month, employeeId), own);
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

  private employeeMonth(month: string, employeeId: string): EmployeeMonth {
    return (
      this.ctx.storage.kv.get<EmployeeMonth>(employeeMonthKey(month, employeeId)) ??
      emptyEmployeeMonth()
    );
  }

  // The limit set here wins; until one is, the key lookup's (D1's budget_cents).
  private employeeLimit(employeeId: string, fromLookup: number | null): number | null {
    const set = this.ctx.storage.kv.get<{ microEur: number | null }>(limitKey(employeeId));
    return set ? set.microEur : fromLookup;
  }
}

const REVOKED_PREFIX = "revoked:";
const revokedKey = (hash: string) => `${REVOKED_PREFIX}${hash}`;
const tatKey = (hash: string) => `tat:${hash}`;
const monthKey = (month: string) => `month:${month}`;
const employeeMonthKey = (month: string, employeeId: string) => `employee:${month}:${employeeId}`;
const limitKey = (employeeId: string) => `limit:${employeeId}`;
