import type { Db } from "../../db/client.ts";
import { devMail } from "../../db/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Mailer } from "./mailer.ts";

// Development only: "sends" by keeping the message in D1 (read back at /api/dev/mailbox) and
// printing the link, so signing in locally needs no email provider. A channel's reply keeps its
// sender and threading headers too, so a developer sees the thread an email client would;
// attachments are named in the log only (no column holds bytes).
export function devMailer(db: Db, log: Logger): Mailer {
  return {
    async send(mail) {
      const headers = mail.headers && Object.keys(mail.headers).length ? mail.headers : null;
      await db.insert(devMail).values({
        id: crypto.randomUUID(),
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        link: mail.link ?? null,
        fromAddress: mail.from ?? null,
        headers,
        sentAt: Date.now(),
      });
      log.info("dev mail sent", {
        to: mail.to,
        subject: mail.subject,
        link: mail.link,
        ...(mail.from ? { from: mail.from } : {}),
        ...(mail.attachments?.length
          ? { attachments: mail.attachments.map((a) => a.filename) }
          : {}),
      });
    },
  };
}
