import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../log/logger.ts";
import type { Mailer } from "./mailer.ts";

export const EMAIL_SEND_TIMEOUT_MS = 10_000;

// Resend's HTTP API (POST /emails). The base URL is configurable so tests can point it at a
// loopback stand-in that speaks the same wire format.
export function resendMailer(opts: {
  apiUrl: string;
  apiKey: string;
  from: string;
  log: Logger;
}): Mailer {
  return {
    async send(mail) {
      let res: Response;
      try {
        // Appended, not resolved: a base URL with a path (a proxy, a stand-in) must keep it.
        res = await fetch(`${opts.apiUrl.replace(/\/+$/, "")}/emails`, {
          method: "POST",
          headers: { authorization: `Bearer ${opts.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({
            from: opts.from,
            to: [mail.to],
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
          }),
          signal: AbortSignal.timeout(EMAIL_SEND_TIMEOUT_MS),
        });
      } catch (err) {
        opts.log.error("email provider unreachable", { err });
        throw emailUnavailable();
      }
      if (!res.ok) {
        opts.log.error("email provider refused the message", {
          status: res.status,
          body: (await res.text()).slice(0, 500),
        });
        throw emailUnavailable();
      }
    },
  };
}

const emailUnavailable = () =>
  new ApiError(
    503,
    "email_unavailable",
    "We could not send the email just now. Please try again in a minute.",
  );
