import { count, eq } from "drizzle-orm";
import { employees, type UserRow, users } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import type { TeamRole } from "../contract/team.ts";
import { accountById, insertAccountWithOwner, type Membership } from "../store/accounts.ts";
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
  const inserted = await deps.db
    .insert(users)
    .values({
      id: crypto.randomUUID(),
      email,
      name: input.name ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  const created = inserted[0];
  if (created) {
    await createPersonalAccount(deps, created);
    return { user: created, created: true };
  }
  const existing = await deps.db.select().from(users).where(eq(users.email, email)).get();
  if (!existing) throw new Error(`user ${email} vanished between insert and select`);
  return { user: existing, created: false };
}

/**
 * A new account owned by the person, on the trial: made at sign-up, and for a person who no
 * longer belongs to any account. Named after them; the owner can rename it.
 */
export async function createPersonalAccount(
  deps: Deps,
  user: { id: string; email: string; name: string | null },
): Promise<Membership> {
  const now = deps.now();
  const account = await insertAccountWithOwner(deps.db, {
    id: crypto.randomUUID(),
    name: user.name?.trim() || user.email,
    ownerId: user.id,
    trialEndsAt: now + planById("trial").trialDays * DAY,
    now,
  });
  deps.log.info("account created", { userId: user.id, accountId: account.id });
  return { account, role: "owner", joinedAt: now };
}

export async function getMe(
  deps: Deps,
  actor: { userId: string; accountId: string; role: TeamRole },
) {
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
