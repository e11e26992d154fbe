import { z } from "zod";
import { CHANNEL_KINDS, type ChannelKind } from "../contract/channels.ts";

// The one shape every provider's inbound message becomes, and the one shape a reply takes,
// whatever the channel. The durable inbox stores InboundMessage as JSON (so it re-parses what it
// reads back with InboundMessageSchema) and hands OutboundReply to the provider's sendReply.

/** Longest inbound text kept; the rest is cut and `truncated` is set. */
export const MAX_INBOUND_TEXT_CHARS = 32_000;
/** Longest reply text accepted; providers split it into their own message sizes. */
export const MAX_REPLY_TEXT_CHARS = 32_000;
/** Attachments kept per inbound message; more are counted in `omittedAttachments`. */
export const MAX_ATTACHMENTS = 10;
/** Largest attachment fetched or kept (Telegram's Bot API serves at most 20 MB to bots). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** Longest file name kept for an attachment. */
export const MAX_ATTACHMENT_NAME_CHARS = 200;
/** Ids, names and addresses from providers are cut at this length. */
export const MAX_FIELD_CHARS = 500;

// The kinds are the contract's (edge/contract/channels.ts): the API and the adapters name the same.
export { CHANNEL_KINDS, type ChannelKind };

const field = z.string().min(1).max(MAX_FIELD_CHARS);

// Where an attachment's bytes are: inline (email carries them), a provider reference fetched
// at the edge with the channel's credential, so no credential is ever part of a message, or
// stored: already put in R2 (the KNOWLEDGE bucket, under the chat's prefix) by the edge before
// the message reached the inbox, because a Durable Object's row holds at most 2 MB (email files).
export const AttachmentSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("inline"), base64: z.base64() }),
  z.object({ kind: z.literal("telegram"), fileId: field }),
  z.object({ kind: z.literal("whatsapp"), mediaId: field }),
  z.object({
    kind: z.literal("stored"),
    r2Key: field,
    /** Hex SHA-256 of the bytes, as the chat's attachments keep it. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
]);
export type AttachmentSource = z.infer<typeof AttachmentSourceSchema>;

export const AttachmentSchema = z.object({
  name: z.string().min(1).max(MAX_ATTACHMENT_NAME_CHARS),
  contentType: z.string().min(1).max(MAX_FIELD_CHARS),
  /** Bytes, when the provider says (a reference's size may be unknown until it is fetched). */
  size: z.number().int().nonnegative().nullable(),
  source: AttachmentSourceSchema,
});
export type Attachment = z.infer<typeof AttachmentSchema>;

// What a reply needs to land in the same thread, per provider.
export const ReplyTargetSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("telegram"),
    chatId: field,
    /** The message answered; the first part of the reply quotes it. */
    messageId: z.number().int(),
    /** The forum topic, when the chat has topics. */
    messageThreadId: z.number().int().optional(),
  }),
  z.object({
    kind: z.literal("slack"),
    teamId: field,
    channel: field,
    /** The thread to post in; absent for a direct message outside any thread. */
    threadTs: field.optional(),
  }),
  z.object({
    kind: z.literal("whatsapp"),
    phoneNumberId: field,
    /** The customer's wa_id. */
    to: field,
    /** The wamid answered, quoted with `context.message_id`. */
    messageId: field,
  }),
  z.object({
    kind: z.literal("email"),
    /** Where the reply goes: Reply-To when the sender set one, else From. */
    to: field,
    /** The employee's address the message was sent to, the reply's From. */
    employeeAddress: field,
    messageId: field,
    /** The thread's Message-IDs, oldest first, ending with messageId. */
    references: z.array(field).max(100),
    subject: z.string().max(MAX_FIELD_CHARS),
  }),
]);
export type ReplyTarget = z.infer<typeof ReplyTargetSchema>;

export const SenderSchema = z.object({
  id: field,
  name: z.string().max(MAX_FIELD_CHARS).optional(),
  email: z.string().max(MAX_FIELD_CHARS).optional(),
  /** True only when the provider vouches for the identity (Slack's confirmed email, DMARC pass). */
  verified: z.boolean().optional(),
});
export type Sender = z.infer<typeof SenderSchema>;

export const InboundMessageSchema = z.object({
  kind: z.enum(CHANNEL_KINDS),
  /** The provider's id for this message: the inbox's dedupe key. */
  providerMessageId: field,
  /** Provider-scoped conversation: one OpenClaw session per value. */
  conversationId: field,
  sender: SenderSchema,
  text: z.string().max(MAX_INBOUND_TEXT_CHARS),
  /** Set when text was cut at MAX_INBOUND_TEXT_CHARS. */
  truncated: z.boolean(),
  attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS),
  /** Attachments dropped for count or size. */
  omittedAttachments: z.number().int().nonnegative(),
  /** ISO 8601, the provider's time when it gives one. */
  receivedAt: z.iso.datetime(),
  replyTo: ReplyTargetSchema,
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;

export const OutboundAttachmentSchema = z.object({
  name: z.string().min(1).max(MAX_ATTACHMENT_NAME_CHARS),
  contentType: z.string().min(1).max(MAX_FIELD_CHARS),
  base64: z.base64(),
});
export type OutboundAttachment = z.infer<typeof OutboundAttachmentSchema>;

export const OutboundReplySchema = z.object({
  text: z.string().max(MAX_REPLY_TEXT_CHARS),
  replyTo: ReplyTargetSchema,
  attachments: z.array(OutboundAttachmentSchema).max(MAX_ATTACHMENTS).optional(),
});
export type OutboundReply = z.infer<typeof OutboundReplySchema>;

/** Cuts text at MAX_INBOUND_TEXT_CHARS without splitting a surrogate pair. */
export function boundText(text: string): { text: string; truncated: boolean } {
  if (text.length <= MAX_INBOUND_TEXT_CHARS) return { text, truncated: false };
  let end = MAX_INBOUND_TEXT_CHARS;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return { text: text.slice(0, end), truncated: true };
}

/** Cuts a provider-supplied string to `max` characters (names, ids, subjects). */
export function boundField(value: string, max = MAX_FIELD_CHARS): string {
  if (value.length <= max) return value;
  const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** A file name safe to show and store: no path, no control characters, bounded. */
export function safeFileName(name: string | null | undefined, fallback: string): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return boundField(
    clean === "" || clean === "." || clean === ".." ? fallback : clean,
    MAX_ATTACHMENT_NAME_CHARS,
  );
}
