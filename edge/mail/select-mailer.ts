import type { Db } from "../../db/client.ts";
import type { Config } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import { devMailer } from "./dev-mailer.ts";
import type { Mailer } from "./mailer.ts";
import { resendMailer } from "./resend-mailer.ts";

export type { Mailer } from "./mailer.ts";

// A configured provider always wins; without one only development may fall back to the
// mailbox (parseConfig refuses a production config without RESEND_API_KEY).
export function selectMailer(config: Config, db: Db, log: Logger): Mailer {
  if (config.RESEND_API_KEY) {
    return resendMailer({
      apiUrl: config.EMAIL_API_URL,
      apiKey: config.RESEND_API_KEY,
      from: config.EMAIL_FROM,
      log,
    });
  }
  return devMailer(db, log);
}
