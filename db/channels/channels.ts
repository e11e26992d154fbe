import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  CHANNEL_KINDS,
  type ChannelKind,
  type ChannelSettings,
  STORED_CHANNEL_STATUSES,
} from "../../edge/contract/channels.ts";
import { accounts } from "../accounts/accounts.ts";
import { employees } from "../employees/employees.ts";

export type { ChannelKind };

// An employee's channels (issue 17): at most one per kind. The provider's credential is sealed
// with the channel keyring (edge/channels/channel-keyring.ts; owner = the employee id) and never
// leaves the edge; credential_masked is what the dashboard shows. A Slack channel's token is the
// workspace's (slack_installations); its row holds the team id and the settings.
export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    employeeId: text("employee_id")
      .notNull()
      .references(() => employees.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CHANNEL_KINDS }).notNull(),
    status: text("status", { enum: STORED_CHANNEL_STATUSES }).notNull().default("pending"),
    // The provider's reason while failing (its own words), or what a pending connect waits for.
    statusReason: text("status_reason"),
    // What an inbound message is routed by: the bot's id (telegram), the team id (slack), the
    // phone_number_id (whatsapp), the address's local part (email). Null until known.
    externalId: text("external_id"),
    // @bot, the team's name, +49…, the address.
    display: text("display").notNull().default(""),
    credentialSealed: text("credential_sealed"),
    // Telegram: the webhook's secret token; WhatsApp: {appSecret, verifyToken}. Sealed.
    secretSealed: text("secret_sealed"),
    credentialMasked: text("credential_masked"),
    settings: text("settings", { mode: "json" }).$type<ChannelSettings>().notNull(),
    // When it was last connected (null while pending).
    connectedAt: integer("connected_at"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("channels_employee_kind").on(t.employeeId, t.kind),
    // A bot, a number or an address serves one employee; a Slack team serves many.
    uniqueIndex("channels_kind_external_unique")
      .on(t.kind, t.externalId)
      .where(sql`kind IN ('telegram', 'whatsapp', 'email')`),
    index("channels_kind_external").on(t.kind, t.externalId),
  ],
);
export type ChannelRow = typeof channels.$inferSelect;
