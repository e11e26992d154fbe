import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// One gateway key per employee (a new one replaces the old at each provision: rotation). Only the
// SHA-256 is kept; the key itself travels once, in the provision command, to the node agent that
// writes it into the employee's OpenClaw config. Firing revokes it.
export const llmKeys = sqliteTable(
  "llm_keys",
  {
    keyHash: text("key_hash").primaryKey(),
    employeeId: text("employee_id").notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("llm_keys_employee").on(t.employeeId)],
);
