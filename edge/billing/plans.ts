import { PLAN_IDS, type Plan, type PlanId } from "../contract/catalogue.ts";

// The plans, in one place: the catalogue shows them, /api/me reports their limits, hiring and
// the LLM gateway enforce them. Prices are in euro cents per month; the shape is the contract's.

export const planIds = PLAN_IDS;
export type { Plan, PlanId };

/** The trial's paywall: how many times the chat view may be opened (services/access.ts). */
export const TRIAL_CHAT_SESSIONS = 3;

export const plans: readonly Plan[] = [
  {
    id: "trial",
    name: "Trial",
    priceCentsPerMonth: 0,
    currency: "eur",
    maxEmployees: 1,
    llmBudgetCentsPerMonth: 500,
    llmModels: ["fast", "auto"],
    llmMaxCompletionTokens: 4_096,
    trialDays: 7,
    chatSessions: TRIAL_CHAT_SESSIONS,
    includes: ["1 AI employee for 7 days", "Web chat and live browser view", "No card needed"],
  },
  {
    id: "starter",
    name: "Starter",
    priceCentsPerMonth: 4900,
    currency: "eur",
    maxEmployees: 1,
    llmBudgetCentsPerMonth: 2000,
    llmModels: ["fast", "auto"],
    llmMaxCompletionTokens: 8_192,
    trialDays: 0,
    chatSessions: null,
    includes: ["1 AI employee", "€20 of AI usage a month", "Knowledge base"],
  },
  {
    id: "pro",
    name: "Pro",
    priceCentsPerMonth: 14900,
    currency: "eur",
    maxEmployees: 3,
    llmBudgetCentsPerMonth: 7500,
    llmModels: ["fast", "strong", "auto"],
    llmMaxCompletionTokens: 16_384,
    trialDays: 0,
    chatSessions: null,
    includes: ["3 AI employees", "€75 of AI usage a month", "Shared team knowledge"],
  },
  {
    id: "business",
    name: "Business",
    priceCentsPerMonth: 39900,
    currency: "eur",
    maxEmployees: 10,
    llmBudgetCentsPerMonth: 25000,
    llmModels: ["fast", "strong", "auto"],
    llmMaxCompletionTokens: 16_384,
    trialDays: 0,
    chatSessions: null,
    includes: ["10 AI employees", "€250 of AI usage a month", "Priority support"],
  },
];

/**
 * How many restore points an employee keeps (edge/snapshots/snapshot-retention.ts): every
 * snapshot of the last `recentHours`, then one a day for `daily` days and one a week for
 * `weekly` weeks. Every plan keeps at least 7 daily and 4 weekly.
 */
export interface SnapshotRetention {
  recentHours: number;
  daily: number;
  weekly: number;
}

export const snapshotRetention: Readonly<Record<PlanId, SnapshotRetention>> = {
  trial: { recentHours: 24, daily: 7, weekly: 4 },
  starter: { recentHours: 24, daily: 7, weekly: 4 },
  pro: { recentHours: 48, daily: 14, weekly: 8 },
  business: { recentHours: 72, daily: 30, weekly: 12 },
};

export function planById(id: PlanId): Plan {
  const plan = plans.find((p) => p.id === id);
  if (!plan) throw new Error(`unknown plan ${id}`);
  return plan;
}

/** The month usage and the AI budget are counted in: "2026-12" (UTC). */
export const monthKey = (ms: number) => new Date(ms).toISOString().slice(0, 7);
