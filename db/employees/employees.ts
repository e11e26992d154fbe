import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { AUTONOMY_LEVELS } from "../../edge/contract/approvals.ts";
import { EMPLOYEE_STATUSES, type EmployeeStatus } from "../../edge/contract/employee.ts";
import type { MinutesSaved } from "../../edge/contract/ledger.ts";
import type { WorkingHoursInput } from "../../edge/contract/schedules.ts";
import { accounts } from "../accounts/accounts.ts";

// The statuses are the API's (edge/contract/employee.ts): the mirror stores what the API shows.
export const employeeStatuses = EMPLOYEE_STATUSES;
export type { EmployeeStatus };

// D1 mirrors each employee for listing and plan counting; the employee's Durable Object owns the
// lifecycle and is the source of truth for status while it runs.
export const employees = sqliteTable(
  "employees",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    role: text("role").notNull(),
    tone: text("tone").notNull(),
    skills: text("skills", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: employeeStatuses }).notNull().default("none"),
    statusReason: text("status_reason"),
    // The id of the step in progress while provisioning or restarting (edge/contract/steps.ts).
    step: text("step"),
    nodeId: text("node_id"),
    // When the launch in progress began (null otherwise): employees waiting for a server are
    // served in this order (edge/objects/placement.ts).
    waitingSince: integer("waiting_since"),
    // The placement's generation (edge/protocol/frames.ts Generation), raised on every placement.
    generation: integer("generation").notNull().default(0),
    // When the last complete snapshot was taken, and the backup the employee was last put back
    // from (shown as "restored from <time>" until a person next restarts it) (issue 16).
    lastSnapshotAt: integer("last_snapshot_at"),
    restoredFrom: integer("restored_from"),
    // Issue 18: how much it may do without asking (edge/contract/approvals.ts; hired before this
    // existed: "autonomous", OpenClaw's default); its own monthly AI budget in cents (null: only
    // the account's); the budget notice last sent ("YYYY-MM:warning" | "YYYY-MM:spent"), so each is
    // sent once a month; its working hours and the minutes its work saves (null: the role's).
    autonomy: text("autonomy", { enum: AUTONOMY_LEVELS }).notNull().default("ask"),
    budgetCents: integer("budget_cents"),
    budgetNotice: text("budget_notice"),
    workingHours: text("working_hours", { mode: "json" }).$type<WorkingHoursInput>(),
    minutesSaved: text("minutes_saved", { mode: "json" }).$type<MinutesSaved>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("employees_account_id").on(t.accountId),
    // Each placement attempt counts who waits ahead (edge/store/employees.ts waitersAhead).
    index("employees_waiting").on(t.status, t.nodeId, t.waitingSince),
  ],
);
