import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { createMimeMessage } from "mimetext/browser";
import { ChannelError } from "../channel-error.ts";
import type { OutboundReply } from "../channel-message.ts";
import { cleanHeaderText } from "./email-parse.ts";

// A reply as a raw RFC 5322 message (mimetext's browser build: no Node APIs), ready for
// Cloudflare's send_email binding (`new EmailMessage(from, to, raw)`) or ForwardableEmailMessage
// .reply(); the same pieces are returned for an HTTP provider that takes headers.

const MESSAGE_ID = /^<[^<>\s]{1,250}>$/;
// Addresses the reply is sent to or from: plain dot-atom local parts only, so nothing that needs
// quoting (or could smuggle a header) reaches the message.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;
const BASE64_LINE = 76;

export interface ComposedEmail {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  /** In-Reply-To, References and the loop guards, as an HTTP provider's `headers` field takes. */
  headers: Record<string, string>;
  text: string;
  raw: string;
}

function wrapBase64(bytes: Uint8Array): string {
  const b64 = encodeBase64(bytes);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += BASE64_LINE) lines.push(b64.slice(i, i + BASE64_LINE));
  return lines.join("\r\n");
}

/** `Re: <subject>`, without stacking prefixes (Re:, RE:, AW:, SV:, Antw:). */
export function replySubject(subject: string): string {
  const clean = cleanHeaderText(subject);
  if (clean === "") return "Re: your message";
  return /^(re|aw|sv|antw)\s*:/i.test(clean) ? clean : `Re: ${clean}`;
}

// Attachment names go into a quoted header parameter: ASCII without quotes or backslashes.
const headerFileName = (name: string) => name.replace(/[^\x20-\x7e]|["\\]/g, "_");

/**
 * The employee's reply, threaded (In-Reply-To the message answered, References the thread
 * plus it), sent from the employee's address with its name, and marked Auto-Submitted:
 * auto-replied so other responders do not answer it (RFC 3834) and Outlook sends no
 * out-of-office to it.
 */
export function composeEmailReply(opts: { fromName: string; reply: OutboundReply }): ComposedEmail {
  const target = opts.reply.replyTo;
  if (target.kind !== "email") throw refuse("wrong_target", `a ${target.kind} target is not email`);
  if (!ADDRESS.test(target.to) || !ADDRESS.test(target.employeeAddress)) {
    throw refuse("bad_address", "the reply's address cannot be used");
  }
  const text = opts.reply.text.replace(/\r?\n/g, "\r\n");
  if (text.trim() === "" && !opts.reply.attachments?.length) throw refuse("empty_reply", "empty");
  const domain = target.employeeAddress.split("@")[1] as string;
  const messageId = `<${crypto.randomUUID()}@${domain}>`;
  const subject = replySubject(target.subject);
  const inReplyTo = MESSAGE_ID.test(target.messageId) ? target.messageId : undefined;
  const references = target.references.filter((id) => MESSAGE_ID.test(id));
  const headers: Record<string, string> = {
    "Auto-Submitted": "auto-replied",
    "X-Auto-Response-Suppress": "All",
    ...(inReplyTo ? { "In-Reply-To": inReplyTo } : {}),
    // Folded one id per line: a long thread stays under the 998-character line limit.
    ...(references.length ? { References: references.join("\r\n ") } : {}),
  };

  const mime = createMimeMessage();
  mime.setSender({ name: cleanHeaderText(opts.fromName), addr: target.employeeAddress });
  mime.setRecipient(target.to);
  mime.setSubject(subject);
  mime.setHeader("Message-ID", messageId);
  for (const [name, value] of Object.entries(headers)) mime.setHeader(name, value);
  mime.addMessage({
    contentType: "text/plain",
    encoding: "base64",
    data: wrapBase64(new TextEncoder().encode(text)),
  });
  for (const file of opts.reply.attachments ?? []) {
    mime.addAttachment({
      filename: headerFileName(file.name),
      contentType: file.contentType.replace(/[^\w.+/-]/g, "") || "application/octet-stream",
      data: wrapBase64(decodeBase64(file.base64)),
    });
  }
  return {
    from: target.employeeAddress,
    to: target.to,
    subject,
    messageId,
    headers,
    text: opts.reply.text,
    raw: mime.asRaw(),
  };
}

const refuse = (providerCode: string, message: string) =>
  new ChannelError({ provider: "email", code: "invalid_request", providerCode, message });
