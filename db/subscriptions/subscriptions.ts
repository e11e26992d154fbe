import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// Each Stripe subscription of an account, as the webhooks last told it, keyed by Stripe's own id:
// an event about one subscription changes that row alone, so a replaced or canceled subscription
// can never overwrite the one in force. Which row is in force is decided by a read (the newest
// live one: `currentSubscription` in edge/services/billing-enforcement.ts), never stored.
// Stripe's events can arrive out of order: `eventCreatedAt` is the `created` of the newest event
// applied to this subscription, and an older one changes nothing. Payment events are ordered the
// same way by `paymentEventCreatedAt`.
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    stripeSubscriptionId: text("stripe_subscription_id").primaryKey(),
    // Set by the first event about the subscription and never changed after.
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    // Stripe's own status: active, trialing, past_due, unpaid, canceled, incomplete, …
    status: text("status").notNull(),
    plan: text("plan", { enum: ["starter", "pro", "business"] }).notNull(),
    // Stripe's `created` of the subscription (seconds): among live ones, the newest is in force.
    stripeCreatedAt: integer("stripe_created_at").notNull().default(0),
    currentPeriodEnd: integer("current_period_end"),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" })
      .notNull()
      .default(false),
    // Set by the first failed payment (invoice.payment_failed), cleared by invoice.paid: the grace
    // period runs from here, then the cron stops the employees.
    pastDueSince: integer("past_due_since"),
    eventCreatedAt: integer("event_created_at").notNull(),
    paymentEventCreatedAt: integer("payment_event_created_at").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("subscriptions_account_id").on(t.accountId)],
);
export type SubscriptionRow = typeof subscriptions.$inferSelect;
