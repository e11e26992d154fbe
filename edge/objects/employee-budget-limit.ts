import { BUDGET_WARNING_PERCENT } from "../contract/ledger.ts";

// An employee's own monthly AI budget as the account's BudgetDO holds it (issue 18), besides the
// account's: its limit, its month's spend and the highest notice it has asked for this month.
// Pure rules, so the object stays a shell and the thresholds match the view's
// (store/employee-budgets.ts budgetState: warning from 80 %, spent from 100 %).

/** 0: under 80 %; 1: warning (80 %); 2: spent (100 %). */
export type BudgetLevel = 0 | 1 | 2;
export type BudgetNotice = "warning" | "spent";

export interface EmployeeMonth {
  /** Micro-euros settled for this employee this month. */
  spent: number;
  /** The highest notice already asked for this month (re-armed when the limit changes). */
  notice: BudgetLevel;
}

export const emptyEmployeeMonth = (): EmployeeMonth => ({ spent: 0, notice: 0 });

export function budgetLevel(spentMicroEur: number, limitMicroEur: number | null): BudgetLevel {
  if (limitMicroEur === null) return 0;
  if (spentMicroEur >= limitMicroEur) return 2;
  return spentMicroEur * 100 >= limitMicroEur * BUDGET_WARNING_PERCENT ? 1 : 0;
}

/** The notice a spend now at `level` asks for, once: null when it was asked for already. */
export function noticeDue(state: EmployeeMonth, level: BudgetLevel): BudgetNotice | null {
  if (level <= state.notice) return null;
  state.notice = level;
  return level === 2 ? "spent" : "warning";
}
