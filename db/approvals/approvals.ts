import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  APPROVAL_DECISIONS,
  APPROVAL_STATUSES,
  type ApprovalView,
} from "../../edge/contract/approvals.ts";
import { accounts } from "../accounts/accounts.ts";
import { employees } from "../employees/employees.ts";

// What employees asked a person before doing (issue 18): one row per OpenClaw approval request
// (unique per employee and OpenClaw's id, so a request sent again after a reconnect is kept once).
// `status` moves from pending exactly once (a conditional update: the first decision wins).
export const approvals = sqliteTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    openclawId: text("openclaw_id").notNull(),
    action: text("action").notNull(),
    details: text("details", { mode: "json" }).$type<ApprovalView["details"]>().notNull(),
    // OpenClaw's session that asked; mapped to the conversation or the scheduled task.
    sessionKey: text("session_key"),
    conversationId: text("conversation_id"),
    scheduleId: text("schedule_id"),
    status: text("status", { enum: APPROVAL_STATUSES }).notNull().default("pending"),
    decision: text("decision", { enum: APPROVAL_DECISIONS }),
    reason: text("reason"),
    // The user who decided (null: expired, or decided in OpenClaw's own UI).
    decidedBy: text("decided_by"),
    requestedAt: integer("requested_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    decidedAt: integer("decided_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("approvals_employee_openclaw").on(t.employeeId, t.openclawId),
    index("approvals_account_status").on(t.accountId, t.status, t.requestedAt),
    index("approvals_status_expires").on(t.status, t.expiresAt),
  ],
);
export type ApprovalRow = typeof approvals.$inferSelect;
