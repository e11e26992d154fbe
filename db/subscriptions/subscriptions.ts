import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users/users.ts";

// An account's Stripe subscription as the webhooks last told it. Stripe's events can arrive out
// of order: `eventCreatedAt` is the `created` of the newest subscription event applied, and an
// older one changes nothing. Payment events are ordered the same way by `paymentEventCreatedAt`.
export const subscriptions = sqliteTable("subscriptions", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeSubscriptionId: text("stripe_subscription_id").notNull().unique(),
  // Stripe's own status: active, trialing, past_due, unpaid, canceled, incomplete, …
  status: text("status").notNull(),
  plan: text("plan", { enum: ["starter", "pro", "business"] }).notNull(),
  currentPeriodEnd: integer("current_period_end"),
  cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
  // Set by the first failed payment (invoice.payment_failed), cleared by invoice.paid: the grace
  // period runs from here, then the cron stops the employees.
  pastDueSince: integer("past_due_since"),
  eventCreatedAt: integer("event_created_at").notNull(),
  paymentEventCreatedAt: integer("payment_event_created_at").notNull().default(0),
  updatedAt: integer("updated_at").notNull(),
});
export type SubscriptionRow = typeof subscriptions.$inferSelect;
