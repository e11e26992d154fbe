import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Every Stripe event id handled, so a redelivery changes nothing (Stripe delivers at least once).
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  created: integer("created").notNull(),
  receivedAt: integer("received_at").notNull(),
});
