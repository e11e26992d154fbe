import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { WORK_KINDS, WORK_OUTCOMES } from "../../edge/contract/ledger.ts";
import { accounts } from "../accounts/accounts.ts";
import { employees } from "../employees/employees.ts";

// The work ledger (issue 18): one row per piece of an employee's work, written when it ends.
// `run_key` is unique per employee (a chat run's id, an automation run's key), so an end reported
// twice is recorded once. Tokens and cost are the gateway's metering (llm_usage) of the employee
// over the run's time; cost in micro-euros, as llm_usage.
export const workEntries = sqliteTable(
  "work_entries",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: WORK_KINDS }).notNull(),
    title: text("title").notNull(),
    conversationId: text("conversation_id"),
    scheduleId: text("schedule_id"),
    runKey: text("run_key").notNull(),
    sessionKey: text("session_key"),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at").notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    costMicroEur: integer("cost_micro_eur").notNull().default(0),
    outcome: text("outcome", { enum: WORK_OUTCOMES }).notNull(),
    approvals: integer("approvals").notNull().default(0),
    approvalsDenied: integer("approvals_denied").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("work_entries_employee_run").on(t.employeeId, t.runKey),
    index("work_entries_employee_started").on(t.employeeId, t.startedAt),
    index("work_entries_account_started").on(t.accountId, t.startedAt),
  ],
);
export type WorkEntryRow = typeof workEntries.$inferSelect;
