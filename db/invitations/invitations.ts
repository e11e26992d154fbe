import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { INVITABLE_ROLES } from "../../edge/contract/team.ts";
import { accounts } from "../accounts/accounts.ts";

// An invitation to join an account, sent by email. Only the SHA-256 of the link's token is kept;
// a link is spent by its first acceptance and stops at its expiry or when revoked.
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role", { enum: INVITABLE_ROLES }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    // Who sent it (a user id, kept as text so removing that person keeps the row).
    invitedBy: text("invited_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("invitations_account").on(t.accountId, t.createdAt)],
);

export type InvitationRow = typeof invitations.$inferSelect;
