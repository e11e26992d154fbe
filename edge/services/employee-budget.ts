import { and, eq } from "drizzle-orm";
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
