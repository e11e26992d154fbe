import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { BudgetDO } from "../objects/budget-do.ts";
import { budgetStub } from "../objects/stubs.ts";
import { mintLlmKey } from "../services/llm-keys.ts";
import { monthKey } from "../services/llm-usage.ts";
import { type ApiInit, api, signIn, uniqueEmail } from "./helpers.ts";

// What the LLM gateway's test files share: an account on a plan with a key, calls with it, and
// what the stand-in provider and the metering saw.

export interface Account {
  cookie: string;
  userId: string;
  employeeId: string;
  key: string;
}

export async function account(plan: "trial" | "pro" = "trial"): Promise<Account> {
  const email = uniqueEmail("llm");
  const cookie = await signIn(email);
  const user = await env.DB.prepare("UPDATE users SET plan = ? WHERE email = ? RETURNING id")
    .bind(plan, email)
    .first<{ id: string }>();
  const userId = user?.id ?? "";
  const employeeId = crypto.randomUUID();
  const key = await mintLlmKey(env, employeeId, userId, Date.now());
  return { cookie, userId, employeeId, key };
}

export const chat = (key: string, body: Record<string, unknown>, init: ApiInit = {}) =>
  api("/v1/chat/completions", {
    ...init,
    method: "POST",
    json: body,
    headers: { authorization: `Bearer ${key}` },
  });

export const models = (key: string, init: ApiInit = {}) =>
  api("/v1/models", { ...init, headers: { authorization: `Bearer ${key}` } });

export const user = (content: string) => [{ role: "user", content }];

export interface UsageRow {
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micro_eur: number;
  stream: number;
}

// Metering runs after the answer (waitUntil): waits until at least `atLeast` rows have landed.
export async function usageRows(employeeId: string, atLeast = 1): Promise<UsageRow[]> {
  let rows: UsageRow[] = [];
  for (let i = 0; i < 250; i++) {
    rows = (
      await env.DB.prepare(
        "SELECT model, prompt_tokens, completion_tokens, cost_micro_eur, stream FROM llm_usage WHERE employee_id = ?",
      )
        .bind(employeeId)
        .all<UsageRow>()
    ).results;
    if (rows.length >= atLeast) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  return rows;
}

export interface StandInState {
  lastRequest: Record<string, unknown> & {
    model: string;
    messages: Record<string, unknown>[];
    stream_options?: { include_usage?: boolean };
  };
  aborted: number;
  /** Requests per upstream model since the stand-in started. */
  calls: Record<string, number>;
}
export const standIn = async () =>
  (await (await fetch(`${env.STAND_IN_URL}/openai/_test/last`)).json()) as StandInState;

export const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;

// Spend recorded for the account's month in its BudgetDO, as if by earlier requests.
export const spend = (userId: string, microEur: number) =>
  runInDurableObject(budgetStub(env, userId), (obj: BudgetDO) => {
    obj.settle(monthKey(Date.now()), "spent-elsewhere", microEur);
  });

// Waits until every request the account's BudgetDO admitted has been settled (metering runs
// after the answer), then returns the month's recorded spend.
export async function settledSpend(userId: string): Promise<number> {
  const month = monthKey(Date.now());
  for (let i = 0; i < 500; i++) {
    const open = await runInDurableObject(budgetStub(env, userId), (obj: BudgetDO) =>
      obj.inFlight(month),
    );
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return spent(userId);
}

export const spent = (userId: string) =>
  runInDurableObject(budgetStub(env, userId), (obj: BudgetDO) => obj.spent(monthKey(Date.now())));
