import { and, eq, like, ne } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { monthKey } from "../billing/plans.ts";
import type { Employee } from "../contract/employee.ts";
import { budgetStub, employeeStub } from "../objects/stubs.ts";
import { budgetState, employeeBudget, employeeSpendMicroEur } from "../store/employee-budgets.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

// An employee's own monthly AI budget (issue 18), besides the account's: the owner sets, raises or
// removes it with PATCH /api/employees/:id {budgetCents} (the rights are checked by the caller).
// D1 keeps it for the views; the account's BudgetDO, which admits every model request, is told
// first, so a raise lets a spent employee work again with its next request, whatever the
// gateway's isolates have cached.

/** Sets the budget (cents, null: only the account's); nothing when it is unchanged. */
export async function setEmployeeBudget(
  deps: Deps,
  actor: Actor,
  row: { id: string; accountId: string; name: string; budgetCents: number | null },
  budgetCents: number | null,
): Promise<void> {
  if (row.budgetCents === budgetCents) return;
  const month = monthKey(deps.now());
  const spentMicroEur = await employeeSpendMicroEur(deps.db, row.id, month);
  // The object first: D1 changes only once the gateway applies it, so a failure here leaves D1
  // as it was and the owner's retry (D1 still differs) sets both.
  await budgetStub(deps.env, row.accountId).setEmployeeBudget(
    row.id,
    budgetCents === null ? null : budgetCents * 10_000,
    month,
    spentMicroEur,
  );
  // The notices are about the budget that applies: a new one may warn again this month.
  await deps.db
    .update(employees)
    .set({ budgetCents, budgetNotice: null })
    .where(and(eq(employees.id, row.id), eq(employees.accountId, row.accountId)));
  await recordAudit(
    deps,
    actor,
    "employee.budget",
    { type: "employee", id: row.id },
    { name: row.name, from: row.budgetCents, to: budgetCents },
  );
  const budget = budgetState(budgetCents, Math.round(spentMicroEur / 100) / 100);
  // Its live viewers see the new state (and its schedules follow it: the EmployeeDO's part).
  await employeeStub(deps.env, row.id).budgetChanged(budget, month);
}

/** The view with the employee's budget this month, read from D1 (store/employee-budgets.ts). */
export async function withBudgetOf(deps: Deps, view: Employee): Promise<Employee> {
  const budget = await employeeBudget(deps.db, view.id, monthKey(deps.now()));
  return budget ? { ...view, budget } : view;
}

/** Employees resumed per cron run; the next runs take the rest. */
const RESUME_BATCH = 50;

/**
 * A new month (the cron): an employee whose own budget was spent last month may work again, so its
 * schedules and heartbeat, paused then, are sent again unpaused and its viewers see the new state.
 * The old notice is cleared first by a conditional UPDATE, so of racing crons one resumes it.
 */
export async function resumeLastMonthsSpent(deps: Deps, now: number): Promise<number> {
  const month = monthKey(now);
  const rows = await deps.db
    .select({ id: employees.id, notice: employees.budgetNotice })
    .from(employees)
    .where(
      and(like(employees.budgetNotice, "%:spent"), ne(employees.budgetNotice, `${month}:spent`)),
    )
    .limit(RESUME_BATCH);
  let resumed = 0;
  for (const row of rows) {
    if (!row.notice) continue;
    const claimed = await deps.db
      .update(employees)
      .set({ budgetNotice: null })
      .where(and(eq(employees.id, row.id), eq(employees.budgetNotice, row.notice)))
      .returning({ id: employees.id })
      .get();
    if (!claimed) continue;
    const budget = await employeeBudget(deps.db, row.id, month);
    const stub = employeeStub(deps.env, row.id);
    // budgetChanged sends the schedule again; with no budget left to show, the schedule alone.
    if (budget) await stub.budgetChanged(budget, month);
    else await stub.syncSchedules();
    resumed++;
  }
  return resumed;
}
