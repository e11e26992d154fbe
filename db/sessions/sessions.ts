import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";
import { users } from "../users/users.ts";

// The cookie holds a random token; only its SHA-256 is stored, so a leaked table signs nobody in.
// `id` names the session in the API (GET/DELETE /api/sessions) without revealing the hash.
export const sessions = sqliteTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    id: text("id").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The account this session acts in (POST /api/accounts/:id/switch); null: the person's first.
    activeAccountId: text("active_account_id").references(() => accounts.id, {
      onDelete: "set null",
    }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [index("sessions_user_id").on(t.userId)],
);

export type SessionRow = typeof sessions.$inferSelect;
