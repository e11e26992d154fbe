import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// The audit log: every change to an account, by whom, when, from where, and what. The actor is
// kept as id and email (no foreign key), so a member's past actions outlive their membership;
// the account's deletion takes its log with it. The cron drops rows older than a year.
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    // null for what the system did (billing, the cron).
    actorUserId: text("actor_user_id"),
    actorEmail: text("actor_email"),
    // A dotted name from edge/contract/audit.ts, e.g. "employee.hire".
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    // What changed, as a small JSON object (never a secret).
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [
    index("audit_events_account_at").on(t.accountId, t.at),
    index("audit_events_at").on(t.at),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
