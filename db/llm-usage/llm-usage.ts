import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// One row per gateway request, with the upstream's own token counts. Cost is in micro-euros
// (1e-6 €) so sums stay exact integers; `month` (YYYY-MM, UTC) makes monthly totals one index scan.
export const llmUsage = sqliteTable(
  "llm_usage",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    employeeId: text("employee_id").notNull(),
    model: text("model").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    costMicroEur: integer("cost_micro_eur").notNull(),
    stream: integer("stream", { mode: "boolean" }).notNull(),
    month: text("month").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("llm_usage_account_month").on(t.accountId, t.month),
    index("llm_usage_employee_month").on(t.employeeId, t.month),
  ],
);
