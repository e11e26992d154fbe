import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { TEAM_ROLES } from "../../edge/contract/team.ts";
import { accounts } from "../accounts/accounts.ts";
import { users } from "../users/users.ts";

// Who belongs to which account, and as what (edge/contract/team.ts): exactly one owner per account.
export const memberships = sqliteTable(
  "memberships",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: TEAM_ROLES }).notNull(),
    createdAt: integer("created_at").notNull(),
    // A member granted deciding approvals (issue 18); owners and admins may regardless.
    canApprove: integer("can_approve", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.userId] }),
    index("memberships_user_id").on(t.userId),
  ],
);

export type MembershipRow = typeof memberships.$inferSelect;
