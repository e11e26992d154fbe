import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { employees, llmUsage } from "../../db/schema.ts";
import { BUDGET_WARNING_PERCENT, type EmployeeBudget } from "../contract/ledger.ts";

// An employee's own AI budget this month (issue 18), besides its account's: what it has spent
// (the gateway's metering, llm_usage) against employees.budget_cents. The one reading of it:
// the employee view, the gateway's refusal, the schedules' pause and the notices all ask here.

/** The state a spend is in against a limit (null: no limit of its own). */
export function budgetState(limitCents: number | null, spentCents: number): EmployeeBudget {
  if (limitCents === null) return { limitCents, spentCents, state: "ok" };
  const state =
    spentCents >= limitCents
      ? "spent"
      : spentCents * 100 >= limitCents * BUDGET_WARNING_PERCENT
        ? "warning"
        : "ok";
  return { limitCents, spentCents, state };
}

/** The employee's spend in `month` (YYYY-MM, as llm_usage.month), in micro-euros. */
export async function employeeSpendMicroEur(
  db: Db,
  employeeId: string,
  month: string,
): Promise<number> {
  const row = await db
    .select({ spent: sql<number>`coalesce(sum(${llmUsage.costMicroEur}), 0)` })
    .from(llmUsage)
    .where(and(eq(llmUsage.employeeId, employeeId), eq(llmUsage.month, month)))
    .get();
  return row?.spent ?? 0;
}

/** The employee's budget this month; null when there is no such employee. */
export async function employeeBudget(
  db: Db,
  employeeId: string,
  month: string,
): Promise<EmployeeBudget | null> {
  const row = await db
    .select({ budgetCents: employees.budgetCents })
    .from(employees)
    .where(eq(employees.id, employeeId))
    .get();
  if (!row) return null;
  const spentMicro = await employeeSpendMicroEur(db, employeeId, month);
  return budgetState(row.budgetCents, Math.round(spentMicro / 100) / 100);
}
