import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { employees } from "../employees/employees.ts";

// Which employee owns a Slack thread or direct message (issue 17): a follow-up in the same
// thread goes to the employee who answered it, whatever its text says. conversation_key is the
// adapter's conversation id (channel and thread).
export const slackRoutes = sqliteTable(
  "slack_routes",
  {
    teamId: text("team_id").notNull(),
    conversationKey: text("conversation_key").notNull(),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.conversationKey] })],
);
export type SlackRouteRow = typeof slackRoutes.$inferSelect;
