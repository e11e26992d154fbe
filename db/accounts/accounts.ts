import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The tenant: employees, knowledge, usage, billing and the audit log hang off accounts.id; people
// belong to accounts through memberships. Times are epoch milliseconds everywhere, so comparisons
// in SQL and in code agree.
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan", { enum: ["trial", "starter", "pro", "business"] })
    .notNull()
    .default("trial"),
  trialEndsAt: integer("trial_ends_at").notNull(),
  // Stripe's customer for this account: made once, at the first checkout, and reused.
  stripeCustomerId: text("stripe_customer_id").unique(),
  // The last thing billing did to the account's employees, in a sentence for the account page.
  billingNotice: text("billing_notice"),
  // When the owner asked to delete the account; the cron deletes it after the grace unless the
  // owner cancels (which clears this).
  deletionRequestedAt: integer("deletion_requested_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull().default(sql`(unixepoch() * 1000)`),
  // Issue 18: the IANA time zone of report weeks and the Monday email, and the last week
  // (YYYY-Www) whose email went out, so the cron sends each once.
  timeZone: text("time_zone").notNull().default("UTC"),
  reportSentWeek: text("report_sent_week"),
});

export type AccountRow = typeof accounts.$inferSelect;
