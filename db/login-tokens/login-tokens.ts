import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Magic-link tokens: hashed at rest, single use (used_at), short-lived (expires_at).
export const loginTokens = sqliteTable(
  "login_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    email: text("email").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("login_tokens_expires_at").on(t.expiresAt)],
);
