import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// "Add to Slack" (issue 17): one installation per workspace, and a workspace belongs to one
// account. The bot token is sealed with the channel keyring (owner = the account id); the
// employees who answer in the workspace are its slack channels (db/channels, external_id = team).
export const slackInstallations = sqliteTable("slack_installations", {
  teamId: text("team_id").primaryKey(),
  accountId: text("account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" }),
  botTokenSealed: text("bot_token_sealed").notNull(),
  botUserId: text("bot_user_id"),
  appId: text("app_id"),
  enterpriseId: text("enterprise_id"),
  teamName: text("team_name"),
  installedBy: text("installed_by"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type SlackInstallationRow = typeof slackInstallations.$inferSelect;
