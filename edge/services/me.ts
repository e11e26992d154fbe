import { count, eq } from "drizzle-orm";
import { employees, users } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import type { Me } from "../contract/account.ts";
import { accountById } from "../store/accounts.ts";
import { chatViewsUsed, TRIAL_CHAT_VIEWS } from "./access.ts";
import type { Actor } from "./actor.ts";
import { subscriptionView } from "./billing.ts";
import type { Deps } from "./deps.ts";
import { usageThisMonth } from "./llm-usage.ts";

// GET /api/me: the signed-in person, the account they act in with their role there, its plan's
// limits and what is used of them. Any member may read it: the app shows the plan to everyone.

// The dashboard warns from this share of the monthly AI budget on.
export const LLM_BUDGET_WARNING_PERCENT = 80;

export async function getMe(deps: Deps, actor: Actor): Promise<Me | null> {
  const user = await deps.db.select().from(users).where(eq(users.id, actor.userId)).get();
  const account = await accountById(deps.db, actor.accountId);
  if (!user || !account) return null;
  const accountId = account.id;
  const plan = planById(account.plan);
  const employeeCount = await deps.db
    .select({ n: count() })
    .from(employees)
    .where(eq(employees.accountId, accountId))
    .get();
  const llm = await usageThisMonth(deps, accountId);
  const usedPercent =
    plan.llmBudgetCentsPerMonth > 0
      ? Math.round((llm.costCents / plan.llmBudgetCentsPerMonth) * 1000) / 10
      : 0;
  return {
    user: { id: user.id, email: user.email, name: user.name },
    account: { id: account.id, name: account.name, role: actor.role },
    plan: account.plan,
    trialEndsAt: new Date(account.trialEndsAt).toISOString(),
    subscription: await subscriptionView(deps, accountId),
    billingNotice: account.billingNotice,
    billingConfigured: Boolean(deps.config.STRIPE_SECRET_KEY),
    limits: {
      maxEmployees: plan.maxEmployees,
      llmBudgetCentsPerMonth: plan.llmBudgetCentsPerMonth,
    },
    usage: {
      employees: employeeCount?.n ?? 0,
      llmCostCentsThisMonth: llm.costCents,
      llmTokensThisMonth: llm.promptTokens + llm.completionTokens,
      llmBudgetUsedPercent: usedPercent,
      llmBudgetWarning: usedPercent >= LLM_BUDGET_WARNING_PERCENT,
      // The trial's paywall (POST /api/employees/:id/access); null on paid plans.
      chatViews:
        account.plan === "trial"
          ? { used: await chatViewsUsed(deps, accountId), limit: TRIAL_CHAT_VIEWS }
          : null,
    },
  };
}
