import { env } from "cloudflare:workers";
import { mintLlmKey } from "../objects/llm-keys.ts";
import { budgetStub } from "../objects/stubs.ts";
import { monthKey } from "../services/llm-usage.ts";
import { type ApiInit, api, client, signIn, uniqueEmail } from "./helpers.ts";

// What the LLM gateway's test files share: an account on a plan with a key, calls with it, and
// what the stand-in provider and the metering saw.

export interface Account {
  cookie: string;
  accountId: string;
  employeeId: string;
  key: string;
}

export async function account(plan: "trial" | "pro" = "trial"): Promise<Account> {
  const email = uniqueEmail("llm");
  const cookie = await signIn(email);
  const accountId = (await client(cookie)("GET /api/me")).account.id;
  await env.DB.prepare("UPDATE accounts SET plan = ? WHERE id = ?").bind(plan, accountId).run();
  const employeeId = crypto.randomUUID();
  const key = await mintLlmKey(env, employeeId, accountId, Date.now());
  return { cookie, accountId, employeeId, key };
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
export const spend = (accountId: string, microEur: number) =>
  budgetStub(env, accountId).settle(monthKey(Date.now()), "spent-elsewhere", microEur);

// Waits until every request the account's BudgetDO admitted has been settled (metering runs
// after the answer), then returns the month's recorded spend.
export async function settledSpend(accountId: string): Promise<number> {
  const month = monthKey(Date.now());
  for (let i = 0; i < 500; i++) {
    const open = await budgetStub(env, accountId).inFlight(month);
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return spent(accountId);
}

export const spent = (accountId: string) => budgetStub(env, accountId).spent(monthKey(Date.now()));
