import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { CHANNEL_KINDS, PAIRING_STATUSES } from "../../edge/contract/channels.ts";
import { accounts } from "../accounts/accounts.ts";
import { employees } from "../employees/employees.ts";

// Who wrote to an employee through a channel without being known as a member (issue 17): a
// pending row is a pairing request an admin allows or blocks, for that employee. An allowed row
// with user_id links the sender to a member, which counts for the whole account.
// sender_key is the adapter's sender id (Telegram user id, Slack team:user, wa_id, address).
export const channelSenders = sqliteTable(
  "channel_senders",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CHANNEL_KINDS }).notNull(),
    senderKey: text("sender_key").notNull(),
    displayName: text("display_name"),
    email: text("email"),
    // The member this sender is (set by an admin's allow); not a foreign key: membership is
    // checked when it is used.
    userId: text("user_id"),
    status: text("status", { enum: PAIRING_STATUSES }).notNull().default("pending"),
    // The first message's start (at most 200 characters), and how many were held.
    preview: text("preview").notNull().default(""),
    messageCount: integer("message_count").notNull().default(0),
    // When the provider's identity was last looked up (Slack users.info), a cache.
    checkedAt: integer("checked_at"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
    decidedBy: text("decided_by"),
  },
  (t) => [
    uniqueIndex("channel_senders_employee_sender").on(t.employeeId, t.kind, t.senderKey),
    index("channel_senders_account_status").on(t.accountId, t.status),
    index("channel_senders_linked")
      .on(t.accountId, t.kind, t.senderKey)
      .where(sql`user_id IS NOT NULL`),
  ],
);
export type ChannelSenderRow = typeof channelSenders.$inferSelect;
