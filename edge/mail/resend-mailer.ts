import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../log/logger.ts";
import type { Mailer, OutgoingMail } from "./mailer.ts";

export const EMAIL_SEND_TIMEOUT_MS = 10_000;

/**
 * The provider did not take the message: `providerStatus` is its HTTP status (null when it did
 * not answer), so a caller that retries (the channel outbox) can tell a refusal from an outage.
 * Still the 503 `email_unavailable` for the verbs that answer a person.
 */
export class MailProviderError extends ApiError {
  readonly providerStatus: number | null;
  readonly retryAfterSeconds: number | undefined;
  constructor(providerStatus: number | null, retryAfterSeconds?: number) {
    super(
      503,
      "email_unavailable",
      "We could not send the email just now. Please try again in a minute.",
    );
    this.providerStatus = providerStatus;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

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
          body: JSON.stringify(resendBody(mail, opts.from)),
          signal: AbortSignal.timeout(EMAIL_SEND_TIMEOUT_MS),
        });
      } catch (err) {
        opts.log.error("email provider unreachable", { err });
        throw new MailProviderError(null);
      }
      if (!res.ok) {
        opts.log.error("email provider refused the message", {
          status: res.status,
          body: (await res.text()).slice(0, 500),
        });
        const retryAfter = res.headers.get("retry-after")?.trim();
        throw new MailProviderError(
          res.status,
          retryAfter && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : undefined,
        );
      }
    },
  };
}

// The channel fields only when given, so the product's own mail is sent exactly as before:
// from EMAIL_FROM, no extra headers, no files.
function resendBody(mail: OutgoingMail, defaultFrom: string) {
  return {
    from: mail.from ?? defaultFrom,
    to: [mail.to],
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    ...(mail.headers && Object.keys(mail.headers).length ? { headers: mail.headers } : {}),
    ...(mail.attachments?.length
      ? {
          attachments: mail.attachments.map((a) => ({
            filename: a.filename,
            content: a.base64,
            content_type: a.contentType,
          })),
        }
      : {}),
  };
}
