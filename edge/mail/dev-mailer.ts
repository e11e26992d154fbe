import type { Db } from "../../db/client.ts";
import { devMail } from "../../db/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Mailer } from "./mailer.ts";

// Development only: "sends" by keeping the message in D1 (read back at /api/dev/mailbox) and
// printing the link, so signing in locally needs no email provider.
export function devMailer(db: Db, log: Logger): Mailer {
  return {
    async send(mail) {
      await db.insert(devMail).values({
        id: crypto.randomUUID(),
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        link: mail.link ?? null,
        sentAt: Date.now(),
      });
      log.info("dev mail sent", { to: mail.to, subject: mail.subject, link: mail.link });
    },
  };
}
