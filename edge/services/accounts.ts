import { count, eq } from "drizzle-orm";
import { employees, type UserRow, users } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import { chatViewsUsed, TRIAL_CHAT_VIEWS } from "./access.ts";
import { subscriptionView } from "./billing.ts";
import type { Deps } from "./deps.ts";
import { usageThisMonth } from "./llm-usage.ts";

// The dashboard warns from this share of the monthly AI budget on.
export const LLM_BUDGET_WARNING_PERCENT = 80;

const DAY = 24 * 60 * 60 * 1000;

export interface AccountUser {
  id: string;
  email: string;
  name: string | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// D1 has no interactive transactions, so "find or create" is an insert that yields to an
// existing row (the unique email decides), followed by a read: safe under concurrent sign-ins.
export async function findOrCreateUser(
  deps: Deps,
  input: { email: string; name?: string | null },
): Promise<{ user: UserRow; created: boolean }> {
  const email = normaliseEmail(input.email);
  const now = deps.now();
  const plan = planById("trial");
  const inserted = await deps.db
    .insert(users)
    .values({
      id: crypto.randomUUID(),
      email,
      name: input.name ?? null,
      plan: "trial",
      trialEndsAt: now + plan.trialDays * DAY,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  const created = inserted[0];
  if (created) {
    deps.log.info("account created", { userId: created.id });
    return { user: created, created: true };
  }
  const existing = await deps.db.select().from(users).where(eq(users.email, email)).get();
  if (!existing) throw new Error(`user ${email} vanished between insert and select`);
  return { user: existing, created: false };
}

export async function getMe(deps: Deps, userId: string) {
  const user = await deps.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) return null;
  const plan = planById(user.plan);
  const employeeCount = await deps.db
    .select({ n: count() })
    .from(employees)
    .where(eq(employees.userId, userId))
    .get();
  const llm = await usageThisMonth(deps, userId);
  const usedPercent =
    plan.llmBudgetCentsPerMonth > 0
      ? Math.round((llm.costCents / plan.llmBudgetCentsPerMonth) * 1000) / 10
      : 0;
  return {
    user: { id: user.id, email: user.email, name: user.name },
    plan: user.plan,
    trialEndsAt: new Date(user.trialEndsAt).toISOString(),
    subscription: await subscriptionView(deps, userId),
    billingNotice: user.billingNotice,
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
        user.plan === "trial"
          ? { used: await chatViewsUsed(deps, userId), limit: TRIAL_CHAT_VIEWS }
          : null,
    },
  };
}
