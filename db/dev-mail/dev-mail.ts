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
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [index("dev_mail_to").on(t.to, t.sentAt)],
);
