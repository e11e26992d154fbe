import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// What the development mailer "sent". Written only when ENVIRONMENT=development; read by
// GET /api/dev/mailbox.
export const devMail = sqliteTable(
  "dev_mail",
  {
    id: text("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    link: text("link"),
    // Who it is from and its extra headers (threading: In-Reply-To, References), for channel
    // mail sent from an employee's address (issue 17); null for mail sent before, or without.
    fromAddress: text("from_address"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [index("dev_mail_to").on(t.to, t.sentAt)],
);
