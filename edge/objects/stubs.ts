import type { Env } from "../env.ts";

// The one way to reach an employee's, a node's or an account's Durable Object: each is named by
// its id.
export function employeeStub(env: Pick<Env, "EMPLOYEE_DO">, employeeId: string) {
  return env.EMPLOYEE_DO.get(env.EMPLOYEE_DO.idFromName(employeeId));
}

export function nodeStub(env: Pick<Env, "NODE_DO">, nodeId: string) {
  return env.NODE_DO.get(env.NODE_DO.idFromName(nodeId));
}

export function budgetStub(env: Pick<Env, "BUDGET_DO">, accountId: string) {
  return env.BUDGET_DO.get(env.BUDGET_DO.idFromName(accountId));
}

/** The account's live feed (GET /api/live, issue 18). */
export function accountFeedStub(env: Pick<Env, "ACCOUNT_FEED">, accountId: string) {
  return env.ACCOUNT_FEED.get(env.ACCOUNT_FEED.idFromName(accountId));
}
