import { and, eq, sql } from "drizzle-orm";
import { llmUsage } from "../../db/schema.ts";
import type { Deps } from "./deps.ts";

// The month usage and the budget are counted in (billing/plans.ts).
export { monthKey } from "../billing/plans.ts";

import { monthKey } from "../billing/plans.ts";

export async function recordUsage(
  deps: Deps,
  u: {
    accountId: string;
    employeeId: string;
    model: string;
    promptTokens: number;
    completionTokens: number;
    costMicroEur: number;
    stream: boolean;
    month: string;
  },
): Promise<void> {
  await deps.db.insert(llmUsage).values({
    id: crypto.randomUUID(),
    accountId: u.accountId,
    employeeId: u.employeeId,
    model: u.model,
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    costMicroEur: u.costMicroEur,
    stream: u.stream,
    month: u.month,
    createdAt: deps.now(),
  });
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  costCents: number;
}

const totals = {
  promptTokens: sql<number>`coalesce(sum(${llmUsage.promptTokens}), 0)`,
  completionTokens: sql<number>`coalesce(sum(${llmUsage.completionTokens}), 0)`,
  costMicroEur: sql<number>`coalesce(sum(${llmUsage.costMicroEur}), 0)`,
};
const toTotals = (
  r: { promptTokens: number; completionTokens: number; costMicroEur: number } | undefined,
): UsageTotals => ({
  promptTokens: r?.promptTokens ?? 0,
  completionTokens: r?.completionTokens ?? 0,
  costCents: Math.round((r?.costMicroEur ?? 0) / 100) / 100,
});

export async function usageThisMonth(deps: Deps, accountId: string): Promise<UsageTotals> {
  const row = await deps.db
    .select(totals)
    .from(llmUsage)
    .where(and(eq(llmUsage.accountId, accountId), eq(llmUsage.month, monthKey(deps.now()))))
    .get();
  return toTotals(row);
}

export async function usageByEmployeeThisMonth(
  deps: Deps,
  accountId: string,
): Promise<Map<string, UsageTotals>> {
  const rows = await deps.db
    .select({ employeeId: llmUsage.employeeId, ...totals })
    .from(llmUsage)
    .where(and(eq(llmUsage.accountId, accountId), eq(llmUsage.month, monthKey(deps.now()))))
    .groupBy(llmUsage.employeeId);
  return new Map(rows.map((r) => [r.employeeId, toTotals(r)]));
}
