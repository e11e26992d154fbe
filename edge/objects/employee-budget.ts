import { monthKey } from "../billing/plans.ts";
import type { Employee } from "../contract/employee.ts";
import type { EmployeeBudget } from "../contract/ledger.ts";
import type { Env } from "../env.ts";
import { budgetState } from "../store/employee-budgets.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { ChannelInbox } from "./inbox/channel-inbox.ts";
import { chatReadiness } from "./inbox/chat-readiness.ts";
import type { Inbox } from "./inbox/inbox.ts";
import { sendFrame } from "./live-viewers.ts";

// What the EmployeeDO knows of its own AI budget (issue 18): the state it was last told of (the
// PATCH that set it, a notice at 80 % or 100 %), for its live status frames; the exact spend is
// the API's (store/employee-budgets.ts). And where it says that its budget is spent.

export const BUDGET_KEY = "budget";

export interface StoredBudget {
  month: string;
  budget: EmployeeBudget;
}

// A channel conversation is "being talked to" while an answer is open in it, or when its last
// message is this recent: the answer that crossed the budget may have just ended.
export const BUDGET_LINE_RECENT_MS = 15 * 60_000;

/** The view with the budget as last told; in a later month nothing of it is spent yet. */
export function withBudget(
  view: Employee,
  stored: StoredBudget | undefined,
  now: number,
): Employee {
  if (!stored) return view;
  const budget =
    stored.month === monthKey(now) ? stored.budget : budgetState(stored.budget.limitCents, 0);
  return { ...view, budget };
}

/** Says `line` in every channel conversation it is being talked to in; how many. */
export async function sayInChannels(
  inbox: Inbox,
  channels: ChannelInbox,
  line: string,
  now: number,
): Promise<number> {
  const talking = inbox
    .conversations()
    .filter((c) => c.channel && (c.busy || now - Date.parse(c.updatedAt) <= BUDGET_LINE_RECENT_MS));
  let said = 0;
  for (const c of talking) if (await channels.initiative(c.id, line)) said++;
  return said;
}

/** The chat's readiness again (budget_spent, or ready after a raise), to its live viewers. */
export async function tellChatReadiness(
  ctx: DurableObjectState,
  env: Env,
  r: EmployeeRecord,
  now: number,
): Promise<void> {
  const readiness = await chatReadiness(env, r.accountId, r.status, now, r.id);
  sendFrame(ctx, { type: "chat.readiness", readiness }, now);
}
