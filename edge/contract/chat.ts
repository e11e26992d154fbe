import * as z from "zod/mini";
import { ChannelKind } from "./channels.ts";

// The workspace's own chat (and, later, every channel's conversations): an employee's durable
// inbox as the API and the live socket show it. Conversations and messages are kept at the edge,
// in the employee's Durable Object, so they survive the container, its node and a reload; the
// agent only relays a message to the employee's own OpenClaw (one OpenClaw session per
// conversation) and streams the answer back.

/** Where a conversation comes from. The web chat is one source among the channels. */
export const CONVERSATION_SOURCES = ["web", "email", "telegram", "slack", "whatsapp"] as const;
export const ConversationSource = z.enum(CONVERSATION_SOURCES);
export type ConversationSource = z.infer<typeof ConversationSource>;

/** A message's text, as a person may write it. */
export const MAX_MESSAGE_CHARS = 16_000;
/** An answer is kept up to this many characters (the rest is cut, and the message says so). */
export const MAX_ANSWER_CHARS = 100_000;
/** Files one message may carry, and the bytes of each. */
export const MAX_ATTACHMENTS = 5;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** A conversation's title, whether given or taken from its first message. */
export const MAX_TITLE_CHARS = 80;
/** Messages per page of a conversation's history. */
export const MESSAGE_PAGE = 50;

export const Conversation = z.object({
  id: z.string(),
  source: ConversationSource,
  title: z.string(),
  createdAt: z.string(),
  /** The newest message's time (createdAt while it has none). */
  updatedAt: z.string(),
  messageCount: z.number(),
  /** An answer is being written or waits to be delivered: the app shows the stop button. */
  busy: z.boolean(),
  /** A channel's conversation (read-only in the app): its kind and who it is with. */
  channel: z.optional(z.object({ kind: ChannelKind, peer: z.string() })),
});
export type Conversation = z.infer<typeof Conversation>;

/**
 * queued: stored, waiting for the employee (stopped, starting, or busy with the message before);
 * sending: handed to its node; streaming: the answer is being written; done, aborted, failed: ended.
 * A person's message is `done` once the employee has taken it.
 */
export const MESSAGE_STATUSES = [
  "queued",
  "sending",
  "streaming",
  "done",
  "aborted",
  "failed",
] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** One thing the employee did while answering, in plain words ("Read IDENTITY.md"). */
export const ToolStep = z.object({
  id: z.string(),
  /** command, browser, web, file, memory, message, other: the app's icon and wording. */
  kind: z.string(),
  summary: z.string(),
  status: z.enum(["running", "done", "failed"]),
});
export type ToolStep = z.infer<typeof ToolStep>;

/** A file sent with a message: uploaded first (POST …/attachments), then it lands in the employee's files. */
export const ChatAttachmentView = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  contentType: z.string(),
  /** Where it is in the employee's workspace (uploads/<name>), once delivered; null before. */
  path: z.nullable(z.string()),
});
export type ChatAttachmentView = z.infer<typeof ChatAttachmentView>;

/**
 * Why an answer failed. model_error: the model or its provider failed (OpenClaw's own message is
 * the text); budget_exceeded: the AI budget is spent; no_model: no provider is configured;
 * timed_out: no answer within the run's deadline; unreachable: the employee's node or OpenClaw
 * could not be reached after the retries; attachment_failed: a file could not be handed over.
 */
export const CHAT_ERROR_CODES = [
  "model_error",
  "budget_exceeded",
  "no_model",
  "timed_out",
  "unreachable",
  "attachment_failed",
] as const;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

export const ChatMessage = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: z.enum(["person", "employee"]),
  /** Who wrote a person's message (a member's name, a channel sender); null for the employee. */
  author: z.nullable(z.string()),
  text: z.string(),
  /** The answer was longer than MAX_ANSWER_CHARS and was cut. */
  truncated: z.boolean(),
  status: MessageStatus,
  /** Why it failed: one of CHAT_ERROR_CODES (the app says it in its own words) and a sentence. */
  error: z.nullable(z.object({ code: z.string(), message: z.string() })),
  attachments: z.array(ChatAttachmentView),
  tools: z.array(ToolStep),
  createdAt: z.string(),
  completedAt: z.nullable(z.string()),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Whether the employee can answer now, and if not, why and what to do: the chat says it in its
 * own words (the app's texts, keyed by `state`).
 * ready: running and a model is connected; starting: provisioning or restarting; asleep: stopped
 * (messages wait and are delivered when it runs); unavailable: error or unhealthy; no_model: no
 * provider is configured for the LLM gateway; budget_spent: the month's AI budget is used.
 */
export const CHAT_STATES = [
  "ready",
  "starting",
  "asleep",
  "unavailable",
  "no_model",
  "budget_spent",
] as const;
export const ChatState = z.enum(CHAT_STATES);
export type ChatState = z.infer<typeof ChatState>;

export const ChatReadiness = z.object({ state: ChatState });
export type ChatReadiness = z.infer<typeof ChatReadiness>;

export const NewConversation = z.strictObject({
  title: z.optional(z.string().check(z.trim(), z.maxLength(MAX_TITLE_CHARS))),
});
export const SendMessage = z.strictObject({
  text: z
    .string()
    .check(
      z.maxLength(MAX_MESSAGE_CHARS, `A message may be at most ${MAX_MESSAGE_CHARS} characters.`),
    ),
  attachmentIds: z.optional(
    z
      .array(z.string().check(z.minLength(1), z.maxLength(64)))
      .check(z.maxLength(MAX_ATTACHMENTS, `A message may carry at most ${MAX_ATTACHMENTS} files.`)),
  ),
});
export type SendMessage = z.infer<typeof SendMessage>;
export const MessagePageQuery = z.object({
  /** A message id: the page ends before it (older messages). */
  before: z.optional(z.string().check(z.maxLength(64))),
});
