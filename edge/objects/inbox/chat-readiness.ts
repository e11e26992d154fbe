import { openDb } from "../../../db/client.ts";
import { monthKey, planById } from "../../billing/plans.ts";
import type { ChatReadiness } from "../../contract/chat.ts";
import type { EmployeeStatus } from "../../contract/employee.ts";
import { type Env, parseConfig } from "../../env.ts";
import { accountById } from "../../store/accounts.ts";
import { budgetStub } from "../stubs.ts";
import { readinessOf } from "./inbox-delivery.ts";

// The facts behind the chat's readiness that are not the employee's status: whether the LLM
// gateway has a model behind it (a provider's key, or the development model, which `npm run dev`
// configures the same way), and whether the account's AI budget for this month is spent (its
// BudgetDO, which the gateway admits every request by). Asked by the API and by the EmployeeDO
// when the status changes; a question that fails counts as "not spent" (the gateway still refuses
// for real, and the answer then fails with budget_exceeded). Given the employee, its own budget
// (issue 18, held in the same object) counts too.
export async function chatReadiness(
  env: Env,
  accountId: string,
  status: EmployeeStatus | undefined,
  now: number,
  employeeId?: string,
): Promise<ChatReadiness> {
  const modelConnected = !!parseConfig(env).LLM_UPSTREAM_KEY;
  let budgetSpent = false;
  try {
    const account = await accountById(openDb(env.DB), accountId);
    if (account) {
      const budget = planById(account.plan).llmBudgetCentsPerMonth * 10_000;
      const stub = budgetStub(env, accountId);
      budgetSpent = (await stub.spent(monthKey(now))) >= budget;
      if (!budgetSpent && employeeId) {
        const own = await stub.employeeSpent(monthKey(now), employeeId);
        budgetSpent = own.limitMicroEur !== null && own.spentMicroEur >= own.limitMicroEur;
      }
    }
  } catch {
    budgetSpent = false;
  }
  return { state: readinessOf(status, { modelConnected, budgetSpent }) };
}
