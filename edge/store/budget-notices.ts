import { and, eq, isNull, ne, notLike, or } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { employees, memberships, users } from "../../db/schema.ts";

// The notices about an employee's own AI budget (issue 18): employees.budget_notice holds the last
// one sent, "YYYY-MM:warning" or "YYYY-MM:spent". Claiming one is a single conditional UPDATE, so
// of concurrent requests that all see the threshold crossed exactly one sends it.

export type BudgetNoticeKind = "warning" | "spent";

/** Claims this month's notice; the employee's name when it is this caller's to send, else null. */
export async function claimBudgetNotice(
  db: Db,
  employee: { id: string; accountId: string },
  month: string,
  kind: BudgetNoticeKind,
): Promise<{ name: string } | null> {
  const notYet =
    kind === "warning"
      ? // Neither this month's warning nor its "spent" (which says more) went out yet.
        notLike(employees.budgetNotice, `${month}:%`)
      : ne(employees.budgetNotice, `${month}:spent`);
  const row = await db
    .update(employees)
    .set({ budgetNotice: `${month}:${kind}` })
    .where(
      and(
        eq(employees.id, employee.id),
        eq(employees.accountId, employee.accountId),
        or(isNull(employees.budgetNotice), notYet),
      ),
    )
    .returning({ name: employees.name })
    .get();
  return row ?? null;
}

/** The account's owner: where the notices go, and the name the employee gives in a channel. */
export async function accountOwner(
  db: Db,
  accountId: string,
): Promise<{ name: string | null; email: string } | undefined> {
  return db
    .select({ name: users.name, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.role, "owner")))
    .get();
}
