import { budgetMail } from "../mail/budget-mail.ts";
import type { BudgetNotice } from "../objects/employee-budget-limit.ts";
import { employeeStub } from "../objects/stubs.ts";
import { accountOwner, claimBudgetNotice } from "../store/budget-notices.ts";
import { budgetState } from "../store/employee-budgets.ts";
import type { Deps } from "./deps.ts";

// The notices about an employee's own AI budget (issue 18), each once a month: at 80 % the owner's
// email and a live status frame; at 100 % the owner's email, the frame, and one line in the
// channel conversations the employee is being talked to in (the web chat's failed answer already
// says it: the gateway's refusal names the employee's own budget). The account's BudgetDO says
// when a threshold was crossed (on the settle after a request, or on the first refusal);
// employees.budget_notice makes it once, whatever races.

export interface BudgetNoticeInput {
  notice: BudgetNotice;
  spentMicroEur: number;
  limitMicroEur: number;
}

const cents = (microEur: number) => Math.round(microEur / 100) / 100;

/** What the employee says in a channel when its budget is spent. */
export const spentLine = (owner: string | null | undefined) =>
  `My budget for this month is spent; ${owner?.trim() || "the account's owner"} can raise it.`;

/** Never throws: it runs after the answer, and a notice that failed is logged. */
export async function announceBudgetNotice(
  deps: Deps,
  who: { accountId: string; employeeId: string },
  month: string,
  input: BudgetNoticeInput,
): Promise<void> {
  const log = deps.log.child({ employeeId: who.employeeId, accountId: who.accountId });
  try {
    const claimed = await claimBudgetNotice(
      deps.db,
      { id: who.employeeId, accountId: who.accountId },
      month,
      input.notice,
    );
    if (!claimed) return;
    const budget = budgetState(cents(input.limitMicroEur), cents(input.spentMicroEur));
    const owner = await accountOwner(deps.db, who.accountId);
    const line = input.notice === "spent" ? spentLine(owner?.name) : undefined;
    await employeeStub(deps.env, who.employeeId).budgetChanged(budget, month, line);
    if (owner) {
      await deps.mailer.send(
        budgetMail({
          to: owner.email,
          name: claimed.name,
          notice: input.notice,
          limitCents: budget.limitCents ?? 0,
          spentCents: budget.spentCents,
          link: `${deps.config.appOrigin}/employees/${encodeURIComponent(who.employeeId)}?tab=settings`,
        }),
      );
    }
    log.info("employee budget notice sent", { notice: input.notice, month });
  } catch (err) {
    log.error("employee budget notice failed", { err, notice: input.notice });
  }
}
