import { DurableObject } from "cloudflare:workers";

export interface Reservation {
  ok: boolean;
  reservationId: string | null;
  spentMicroEur: number;
  reservedMicroEur: number;
}

interface MonthState {
  spent: number;
  reservations: Record<string, number>;
}

// One per account: the month's LLM spend and the reservations of requests in flight. A request
// is admitted only while spent + reserved is below the budget, and reserves its estimate at once,
// so concurrent requests see each other: the budget is overshot by at most one request's worth.
// Reservations that are never settled (a crashed Worker) expire with the month.
export class BudgetDO extends DurableObject {
  reserve(month: string, estimateMicroEur: number, budgetMicroEur: number): Reservation {
    const state = this.month(month);
    const reserved = Object.values(state.reservations).reduce((a, b) => a + b, 0);
    if (state.spent + reserved >= budgetMicroEur) {
      return {
        ok: false,
        reservationId: null,
        spentMicroEur: state.spent,
        reservedMicroEur: reserved,
      };
    }
    const id = crypto.randomUUID();
    state.reservations[id] = Math.max(1, Math.ceil(estimateMicroEur));
    this.ctx.storage.kv.put(`month:${month}`, state);
    return {
      ok: true,
      reservationId: id,
      spentMicroEur: state.spent,
      reservedMicroEur: reserved + (state.reservations[id] ?? 0),
    };
  }

  settle(month: string, reservationId: string, actualMicroEur: number): number {
    const state = this.month(month);
    delete state.reservations[reservationId];
    state.spent += Math.max(0, Math.ceil(actualMicroEur));
    this.ctx.storage.kv.put(`month:${month}`, state);
    return state.spent;
  }

  spent(month: string): number {
    return this.month(month).spent;
  }

  private month(month: string): MonthState {
    return this.ctx.storage.kv.get<MonthState>(`month:${month}`) ?? { spent: 0, reservations: {} };
  }
}
