import { env } from "cloudflare:workers";
import type { DevMail } from "../contract/account.ts";
import type { Employee } from "../contract/employee.ts";
import { mintLlmKey } from "../objects/llm-keys.ts";
import { budgetStub } from "../objects/stubs.ts";
import { monthKey } from "../services/llm-usage.ts";
import { api, hire, mailbox } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";

// What the employee budget tests share (employee-budget-*.test.ts): a team on a plan whose own
// budget is far away, two hired employees with gateway keys, the PATCH that sets a budget, and
// the spend an employee made before, as the account's BudgetDO would have settled it.

export interface BudgetTeam extends Team {
  ada: Employee;
  bob: Employee;
  adaKey: string;
  bobKey: string;
}

export async function budgetTeam(tag: string): Promise<BudgetTeam> {
  const team = await buildTeam(tag);
  await setPlan(team.accountId, "business");
  const ada = await hire(team.owner.cookie, { name: "Ada" });
  const bob = await hire(team.owner.cookie, { name: "Bob" });
  const now = Date.now();
  const adaKey = await mintLlmKey(env, ada.id, team.accountId, now);
  const bobKey = await mintLlmKey(env, bob.id, team.accountId, now);
  return { ...team, ada, bob, adaKey, bobKey };
}

export const setBudget = (cookie: string, employeeId: string, budgetCents: unknown) =>
  api(`/api/employees/${employeeId}`, { method: "PATCH", cookie, json: { budgetCents } });

/** An employee's spend this month settled as if by earlier requests (micro-euros). */
export const spendFor = (accountId: string, employeeId: string, microEur: number) =>
  budgetStub(env, accountId).settle(monthKey(Date.now()), "earlier", microEur, employeeId);

/** The employee's own spend as the account's BudgetDO holds it. */
export const ownSpent = async (accountId: string, employeeId: string) =>
  (await budgetStub(env, accountId).employeeSpent(monthKey(Date.now()), employeeId)).spentMicroEur;

/** The budget emails the owner got (newest first), waiting up to `ms` for `atLeast` of them. */
export async function budgetMails(email: string, atLeast = 0, ms = 5000): Promise<DevMail[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const mails = (await mailbox(email)).filter((m) => /AI budget/.test(m.subject));
    if (mails.length >= atLeast || Date.now() > deadline) return mails;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const budgetNotice = async (employeeId: string) =>
  (
    await env.DB.prepare("SELECT budget_notice FROM employees WHERE id = ?")
      .bind(employeeId)
      .first<{ budget_notice: string | null }>()
  )?.budget_notice ?? null;
