import { encodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { convert as htmlToText } from "html-to-text";
import PostalMime, { type Address, type Mailbox } from "postal-mime";
import { ChannelError } from "../channel-error.ts";
import { readBoundedBytes } from "../channel-http.ts";
import {
  type Attachment,
  boundField,
  boundText,
  type InboundMessage,
  MAX_ATTACHMENTS,
  safeFileName,
} from "../channel-message.ts";
import { automatedReason } from "./email-loops.ts";
import { senderVerified } from "./email-sender-auth.ts";

/** Largest raw message parsed (Email Routing accepts up to 25 MiB; a Worker has 128 MB). */
export const MAX_INBOUND_EMAIL_BYTES = 10 * 1024 * 1024;
/** Message-IDs kept in References: the thread's root and the most recent ones (RFC 5322 §3.6.4). */
export const MAX_REFERENCES = 20;
/** Limits handed to postal-mime: MIME nesting, total header bytes, nested messages parsed. */
const MIME_LIMITS = { maxNestingDepth: 32, maxHeadersSize: 256 * 1024, maxRfc822NestingDepth: 2 };

const MESSAGE_ID = /<[^<>\s]{1,250}>/g;
/** Longest HTML converted to text when a message has no text part. */
const MAX_HTML_CHARS = 1024 * 1024;

export interface RawInboundEmail {
  /** ForwardableEmailMessage.raw (or the bytes themselves). */
  raw: ReadableStream<Uint8Array> | Uint8Array | string;
  /** ForwardableEmailMessage.rawSize, when known: refuses an oversized message before reading. */
  rawSize?: number;
  /** The SMTP envelope: ForwardableEmailMessage.from and .to. */
  envelopeFrom?: string;
  envelopeTo?: string;
}

export interface ParsedInboundEmail {
  message: InboundMessage;
  /** Why the message must not be answered (auto-reply, bounce, list…), or null. */
  automated: string | null;
}

function mailboxes(list: Address[] | Address | undefined): Mailbox[] {
  const all = list === undefined ? [] : Array.isArray(list) ? list : [list];
  return all.flatMap((a) => (a.group ? a.group : [a])).filter((m) => m.address.includes("@"));
}

function messageIds(value: string | undefined): string[] {
  return value?.match(MESSAGE_ID) ?? [];
}

async function rawBytes(input: RawInboundEmail): Promise<Uint8Array> {
  if (input.rawSize !== undefined && input.rawSize > MAX_INBOUND_EMAIL_BYTES) throw tooLarge();
  const bytes =
    typeof input.raw === "string"
      ? new TextEncoder().encode(input.raw)
      : input.raw instanceof Uint8Array
        ? input.raw
        : await readBoundedBytes(input.raw, MAX_INBOUND_EMAIL_BYTES);
  if (bytes === null || bytes.byteLength > MAX_INBOUND_EMAIL_BYTES) throw tooLarge();
  return bytes;
}

/**
 * A raw message from Email Routing as an InboundMessage. The conversation is the thread's root
 * (the first of References, else In-Reply-To, else its own Message-ID); the dedupe key is its
 * Message-ID (a hash of the bytes when it has none). Text falls back to the HTML as text.
 */
export async function parseInboundEmail(
  input: RawInboundEmail,
  opts: { trustedAuthServId?: string; receivedAt?: Date } = {},
): Promise<ParsedInboundEmail> {
  const bytes = await rawBytes(input);
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(bytes, MIME_LIMITS);
  } catch {
    throw new ChannelError({
      provider: "email",
      code: "invalid_request",
      providerCode: "unparseable",
      message: "the message could not be parsed as MIME",
    });
  }
  const from = mailboxes(email.from)[0];
  if (!from) {
    throw new ChannelError({
      provider: "email",
      code: "invalid_request",
      providerCode: "no_from",
      message: "the message has no From address",
    });
  }
  const fromAddress = from.address.toLowerCase();
  const replyAddress = (mailboxes(email.replyTo)[0]?.address ?? fromAddress).toLowerCase();
  const employeeAddress = (input.envelopeTo ?? mailboxes(email.to)[0]?.address ?? "").toLowerCase();
  if (!employeeAddress.includes("@")) {
    throw new ChannelError({
      provider: "email",
      code: "invalid_request",
      providerCode: "no_recipient",
      message: "the message names no recipient",
    });
  }
  const ownId = messageIds(email.messageId)[0];
  const references = messageIds(email.references);
  const inReplyTo = messageIds(email.inReplyTo)[0];
  const root = references[0] ?? inReplyTo ?? ownId;
  const providerMessageId =
    ownId ??
    `sha256:${encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))}`;
  const thread = [...(references.length ? references : inReplyTo ? [inReplyTo] : [])];
  if (ownId) thread.push(ownId);
  const keptThread =
    thread.length > MAX_REFERENCES
      ? [thread[0] as string, ...thread.slice(-(MAX_REFERENCES - 1))]
      : thread;

  const candidates = email.attachments.filter((a) => !a.related);
  const attachments: Attachment[] = candidates.slice(0, MAX_ATTACHMENTS).map((a, i) => {
    const content =
      typeof a.content === "string"
        ? new TextEncoder().encode(a.content)
        : new Uint8Array(a.content);
    return {
      name: safeFileName(a.filename, `attachment-${i + 1}`),
      contentType: boundField(a.mimeType || "application/octet-stream"),
      size: content.byteLength,
      source: { kind: "inline", base64: encodeBase64(content) },
    };
  });
  const { text, truncated } = boundText(bodyText(email.text, email.html));
  const headers = email.headers.map((h) => ({ key: h.key, value: h.value }));
  const verified = senderVerified(headers, fromAddress, opts.trustedAuthServId);
  const message: InboundMessage = {
    kind: "email",
    providerMessageId: boundField(providerMessageId),
    conversationId: boundField(root ?? providerMessageId),
    sender: {
      id: boundField(fromAddress),
      ...(from.name ? { name: boundField(from.name) } : {}),
      email: boundField(fromAddress),
      ...(verified === undefined ? {} : { verified }),
    },
    text,
    truncated,
    attachments,
    omittedAttachments: candidates.length - attachments.length,
    receivedAt: (opts.receivedAt ?? new Date()).toISOString(),
    replyTo: {
      kind: "email",
      to: boundField(replyAddress),
      employeeAddress: boundField(employeeAddress),
      messageId: boundField(ownId ?? providerMessageId),
      references: keptThread,
      subject: boundField(cleanHeaderText(email.subject ?? ""), 200),
    },
  };
  const fromEmployee = fromAddress === employeeAddress;
  const automated = fromEmployee
    ? "sent by the employee's own address"
    : automatedReason(headers, { envelopeFrom: input.envelopeFrom, from: fromAddress });
  return { message, automated };
}

// The text part, else the HTML as text (links kept as "label [url]", images dropped), with
// line ends as \n whatever the message used.
function bodyText(text: string | undefined, html: string | undefined): string {
  const plain =
    text?.trim() ||
    (html
      ? htmlToText(html.slice(0, MAX_HTML_CHARS), {
          wordwrap: false,
          selectors: [{ selector: "img", format: "skip" }],
        })
      : "");
  return plain.replace(/\r\n?/g, "\n").trim();
}

/** A decoded header as one safe line: no control characters (no CR/LF to inject headers). */
export function cleanHeaderText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

const tooLarge = () =>
  new ChannelError({
    provider: "email",
    code: "too_large",
    providerCode: "message_too_large",
    message: `the message is larger than ${MAX_INBOUND_EMAIL_BYTES} bytes`,
  });
