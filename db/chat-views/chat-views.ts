import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// The trial's paywall: each opening of an employee's chat is a row. URL refreshes within a
// window reuse the opening; nothing a client sends can remove one.
export const chatViews = sqliteTable(
  "chat_views",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id").notNull(),
    openedAt: integer("opened_at").notNull(),
  },
  (t) => [index("chat_views_account").on(t.accountId, t.openedAt)],
);
