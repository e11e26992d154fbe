import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { CHANNEL_KINDS } from "../../edge/contract/channels.ts";
import { accounts } from "../accounts/accounts.ts";
import { employees } from "../employees/employees.ts";

// An employee's recurring tasks (issue 18). D1 is the truth; the agent keeps the employee's
// OpenClaw automations in step with it (frames.ts schedules.sync).
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    prompt: text("prompt").notNull(),
    cron: text("cron").notNull(),
    timeZone: text("time_zone").notNull(),
    // The channel its result also goes to (null: the dashboard only).
    deliverTo: text("deliver_to", { enum: CHANNEL_KINDS }),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("schedules_employee").on(t.employeeId)],
);
export type ScheduleRow = typeof schedules.$inferSelect;
