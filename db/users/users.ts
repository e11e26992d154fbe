import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// A user is the account: billing, employees and usage hang off users.id. Times are epoch
// milliseconds everywhere, so comparisons in SQL and in code agree.
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  plan: text("plan", { enum: ["trial", "starter", "pro", "business"] })
    .notNull()
    .default("trial"),
  trialEndsAt: integer("trial_ends_at").notNull(),
  // Stripe's customer for this account: made once, at the first checkout, and reused.
  stripeCustomerId: text("stripe_customer_id").unique(),
  // The last thing billing did to the account's employees, in a sentence for the account page.
  billingNotice: text("billing_notice"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull().default(sql`(unixepoch() * 1000)`),
});

export type UserRow = typeof users.$inferSelect;
