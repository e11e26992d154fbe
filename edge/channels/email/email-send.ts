import { openDb } from "../../../db/client.ts";
import type { ChannelRow } from "../../../db/schema.ts";
import { type Env, employeeMailDomain, parseConfig } from "../../env.ts";
import { createLogger, type Logger } from "../../log/logger.ts";
import { MailProviderError } from "../../mail/resend-mailer.ts";
import { selectMailer } from "../../mail/select-mailer.ts";
import { ChannelError, type ChannelErrorCode } from "../channel-error.ts";
import type { OutboundAttachment, ReplyTarget } from "../channel-message.ts";
import { cleanHeaderText } from "./email-parse.ts";
import { composeEmailReply } from "./email-reply.ts";

// The employee's email reply, sent through the product's mailer (Resend; the development
// mailbox without it) from the employee's own address, threaded. The channel outbox
// (objects/inbox/) calls it; a failure is a ChannelError it can retry or give up on.

/** Longest References header sent: a provider's JSON header is one line, and a line of mail
 * may have 998 characters (RFC 5322 §2.1.1). */
const MAX_REFERENCES_HEADER_CHARS = 900;

export interface EmailReplyInput {
  /** The sender's name the reply shows: the employee's name. */
  employeeName: string;
  /** The employee's address now (`emailChannelAddress`): a reply to mail sent to an address
   * since changed leaves from the current one. Absent: the address the mail was sent to. */
  fromAddress?: string;
  /** The answered message's `replyTo` (an email target). */
  replyTo: ReplyTarget;
  text: string;
  attachments?: OutboundAttachment[];
}

export interface SentEmailReply {
  /** The Message-ID we gave the reply (the provider may set its own on the wire). */
  messageId: string;
  from: string;
  to: string;
  subject: string;
}

/** The email channel's address (`<local part>@<domain>`), or null when email is off. */
export function emailChannelAddress(
  env: Env,
  channel: Pick<ChannelRow, "kind" | "externalId">,
): string | null {
  const domain = employeeMailDomain(parseConfig(env));
  if (channel.kind !== "email" || !channel.externalId || !domain) return null;
  return `${channel.externalId}@${domain}`;
}

/**
 * Sends the reply: From "<employee name>" <address>, Subject "Re: …", In-Reply-To the answered
 * message, References the thread, Auto-Submitted: auto-replied (so no responder answers it).
 * Throws ChannelError: rate_limited or unavailable (retry later), invalid_request (the target or
 * the message cannot be sent: drop it), unauthorized (the provider refused our key or domain).
 */
export async function sendEmailReply(
  env: Env,
  input: EmailReplyInput,
  log: Logger = createLogger({ provider: "email" }),
): Promise<SentEmailReply> {
  const target =
    input.replyTo.kind === "email" && input.fromAddress
      ? { ...input.replyTo, employeeAddress: input.fromAddress }
      : input.replyTo;
  const composed = composeEmailReply({
    fromName: input.employeeName,
    reply: { text: input.text, replyTo: target, attachments: input.attachments },
  });
  const config = parseConfig(env);
  const mailer = selectMailer(config, openDb(env.DB), log);
  try {
    await mailer.send({
      from: `"${displayName(input.employeeName)}" <${composed.from}>`,
      to: composed.to,
      subject: composed.subject,
      text: composed.text,
      // Plain text only, as a person's quick reply is.
      html: "",
      headers: providerHeaders(composed.headers),
      ...(input.attachments?.length
        ? {
            attachments: input.attachments.map((a) => ({
              filename: a.name,
              contentType: a.contentType,
              base64: a.base64,
            })),
          }
        : {}),
    });
  } catch (err) {
    throw asChannelError(err);
  }
  return {
    messageId: composed.messageId,
    from: composed.from,
    to: composed.to,
    subject: composed.subject,
  };
}

// The name inside a quoted display name: no quotes, backslashes or angle brackets to escape,
// one line (composeEmailReply's own copy is cleaned the same way for the raw message).
function displayName(name: string): string {
  const clean = cleanHeaderText(name)
    .replace(/["\\<>]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean.slice(0, 100) || "Employee";
}

// An HTTP provider takes each header as one JSON string: the folded References becomes one line
// again, kept under the line limit by dropping the oldest ids after the thread's root.
function providerHeaders(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  if (out.References) {
    const ids = out.References.split(/\s+/).filter(Boolean);
    const root = ids.shift();
    while (ids.length > 0 && [root, ...ids].join(" ").length > MAX_REFERENCES_HEADER_CHARS)
      ids.shift();
    out.References = [root, ...ids].join(" ");
  }
  return out;
}

function asChannelError(err: unknown): unknown {
  if (!(err instanceof MailProviderError)) return err;
  const status = err.providerStatus;
  const code: ChannelErrorCode =
    status === null || status >= 500 || status === 408
      ? "unavailable"
      : status === 429
        ? "rate_limited"
        : status === 401 || status === 403
          ? "unauthorized"
          : "invalid_request";
  return new ChannelError({
    provider: "email",
    code,
    providerCode: status === null ? "unreachable" : String(status),
    message:
      code === "unauthorized"
        ? `the mail provider refused the sender (HTTP ${status}): check its key and that the domain is verified`
        : `the mail provider did not take the reply (${status === null ? "no answer" : `HTTP ${status}`})`,
    ...(err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: err.retryAfterSeconds }),
  });
}
