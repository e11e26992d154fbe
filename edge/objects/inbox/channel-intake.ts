import type { ChannelErrorCode } from "../../channels/channel-error.ts";
import type { InboundMessage } from "../../channels/channel-message.ts";
import type { ChannelKind, ChannelPolicy } from "../../contract/channels.ts";
import { MAX_MESSAGE_CHARS } from "../../contract/chat.ts";
import { backoffDelay } from "../../protocol/backoff.ts";
import { gcra } from "../gcra.ts";
import type { MessageRow } from "./inbox-store.ts";

// The channels' rules as plain functions of facts and the time (the clock is the caller's, as in
// inbox-delivery.ts): who gets through, how fast, what the employee is handed, when a notice or a
// retry is due. The ChannelInbox (channel-inbox.ts) gathers the facts and stores what they say.

/** Messages one sender may send an employee per minute; more are recorded, not delivered. */
export const SENDER_RATE = { limit: 20, windowMs: 60_000 };
/** New pairing requests one employee opens per hour; more strangers are recorded, not asked. */
export const PAIRING_RATE = { limit: 20, windowMs: 60 * 60_000 };
/** A pending sender's messages kept for an admin's decision; later ones are dropped. */
export const MAX_HELD_PER_SENDER = 20;
/** Channel messages waiting in one conversation; past it, one notice and the rest are dropped. */
export const MAX_WAITING_CHANNEL = 200;
/** At most one "answering shortly" per conversation in this long. */
export const NOTICE_GAP_MS = 10 * 60_000;
/** A sender's name as the employee is told it. */
export const MAX_SENDER_NAME_CHARS = 80;
/** Sends of one outbox row before it is given up. */
export const MAX_SEND_ATTEMPTS = 8;
export const SEND_BACKOFF = { baseMs: 5_000, maxMs: 10 * 60_000 };
/** Screening retried (D1 or a provider down) this often before the message is given up. */
export const MAX_SCREEN_ATTEMPTS = 10;
export const SCREEN_BACKOFF = { baseMs: 2_000, maxMs: 5 * 60_000 };

export const NOTICE_TEXT = "Received, answering shortly.";
export const FAILURE_TEXT = "Sorry, I could not answer this message. Please try again later.";
export const BUSY_TEXT = "Too many messages are waiting; later ones are not read until I catch up.";

export type ScreenOutcome =
  /** Into the inbox: the employee answers. */
  | "admit"
  /** A pending sender: kept for the admin's decision, unanswered. */
  | "hold"
  /** A blocked sender, or past the holds: recorded, dropped. */
  | "block"
  | "ignored"
  /** Over a limit: recorded, not delivered, not answered. */
  | "rate_limited";

export interface ScreenFacts {
  policy: ChannelPolicy;
  /** A member by verified email, Slack's confirmed email, or an admin's link. */
  member: boolean;
  /** The admins' decision on this sender for this employee; null: never seen. */
  decision: "pending" | "allowed" | "blocked" | null;
  /** This sender's messages already held. */
  held: number;
  /** Whether a new pairing request may be opened now (PAIRING_RATE). */
  mayOpenRequest: boolean;
}

/** Who gets through (after the sender's rate): members, allowed senders, or anyone by policy. */
export function screenOutcome(f: ScreenFacts): ScreenOutcome {
  if (f.decision === "blocked") return "block";
  if (f.policy === "anyone" || f.member || f.decision === "allowed") return "admit";
  if (f.decision === null && !f.mayOpenRequest) return "rate_limited";
  return f.held >= MAX_HELD_PER_SENDER ? "ignored" : "hold";
}

/** One GCRA step: whether admitted, and the arrival time to store when it is. */
export function rateStep(
  tat: number | undefined,
  now: number,
  rate: { limit: number; windowMs: number },
): { ok: boolean; tat: number } {
  const step = gcra(tat, now, rate.limit, rate.windowMs);
  return { ok: step.ok, tat: step.tat };
}

const KIND_NAMES: Record<ChannelKind, string> = {
  telegram: "Telegram",
  slack: "Slack",
  whatsapp: "WhatsApp",
  email: "Email",
};

export const kindName = (kind: ChannelKind) => KIND_NAMES[kind];

/** A provider-given name as one plain line: no control characters, at most 80 characters. */
export function oneLine(name: string, max = MAX_SENDER_NAME_CHARS): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");
  const clean = flat.replace(/[[\]]/g, "").replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean || "unknown sender";
  const end = /[\ud800-\udbff]/.test(clean.charAt(max - 2)) ? max - 2 : max - 1;
  return `${clean.slice(0, end)}…`;
}

/** The line the employee reads first: which channel, and who wrote (never more than a line). */
export const senderLine = (kind: ChannelKind, name: string) =>
  `[${kindName(kind)} message from ${oneLine(name)}]`;

/** The history's author of a channel message: `name (kind)`. */
export const channelAuthor = (kind: ChannelKind, name: string) => `${oneLine(name)} (${kind})`;

/** The sender's name back from channelAuthor's form. */
export function authorName(kind: ChannelKind, author: string | null): string {
  const suffix = ` (${kind})`;
  if (!author) return "unknown sender";
  return author.endsWith(suffix) ? author.slice(0, -suffix.length) : author;
}

// Room for the sender line, its newline and the note within chat.send's limit.
const LINE_ROOM = MAX_SENDER_NAME_CHARS + 40;
const NOTE_ROOM = 120;

/**
 * A channel message's text as stored in the inbox: within chat.send's MAX_MESSAGE_CHARS once the
 * sender line is put before it; a longer one is cut, with a note saying so. `cutBefore` says the
 * adapter already cut it.
 */
export function boundChannelText(
  text: string,
  cutBefore: boolean,
  omittedFiles = 0,
): { text: string; cut: boolean } {
  const room = MAX_MESSAGE_CHARS - LINE_ROOM - NOTE_ROOM;
  const over = text.length > room;
  let body = text;
  if (over) {
    let end = room;
    if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
    body = text.slice(0, end);
  }
  const notes: string[] = [];
  if (over || cutBefore)
    notes.push(`[The message was longer and was cut here: ${body.length} characters are shown.]`);
  if (omittedFiles > 0) notes.push(`[${omittedFiles} attached file(s) could not be passed on.]`);
  return { text: notes.length ? `${body}\n\n${notes.join("\n")}` : body, cut: over || cutBefore };
}

/** The text chat.send carries: the sender line, then the stored text. */
export const deliveredText = (kind: ChannelKind, name: string, text: string) =>
  `${senderLine(kind, name)}\n${text}`;

/** When the notice is due for a reply queued now; null when the channel has it off. */
export const noticeAtFor = (now: number, seconds: number | null) =>
  seconds === null ? null : now + seconds * 1000;

/** Whether a notice may go now, given the conversation's last one. */
export const mayNotice = (lastNoticeAt: number | null, now: number) =>
  lastNoticeAt === null || now - lastNoticeAt >= NOTICE_GAP_MS;

export type SendVerdict =
  | { state: "retry"; nextAt: number }
  | { state: "failed"; markChannelFailing: boolean };

/**
 * What a failed send does: a provider's pause or outage is retried (after its retry_after when
 * it gave one, else with backoff) until MAX_SEND_ATTEMPTS; anything else is given up, and a
 * refused credential marks the channel failing.
 */
export function sendVerdict(
  err: { code: ChannelErrorCode; retryAfterSeconds?: number | undefined } | null,
  attempts: number,
  now: number,
  random: () => number = Math.random,
): SendVerdict {
  const retryable = err === null || err.code === "rate_limited" || err.code === "unavailable";
  if (retryable && attempts < MAX_SEND_ATTEMPTS) {
    const wait =
      err?.retryAfterSeconds !== undefined
        ? err.retryAfterSeconds * 1000
        : backoffDelay(attempts, SEND_BACKOFF, random);
    return { state: "retry", nextAt: now + wait };
  }
  return { state: "failed", markChannelFailing: err?.code === "unauthorized" };
}

/** When a screening that could not finish (D1 or a provider down) is tried again; null: give up. */
export function screenRetryAt(attempts: number, now: number, random = Math.random) {
  if (attempts >= MAX_SCREEN_ATTEMPTS) return null;
  return now + backoffDelay(attempts, SCREEN_BACKOFF, random);
}

/** The dedupe key of a provider message. */
export const intakeKey = (kind: ChannelKind, providerMessageId: string) =>
  `${kind}:${providerMessageId}`;

/** A channel message and its reply as the inbox stores them (the reply's id is the run id). */
export function channelPair(
  conversationId: string,
  m: InboundMessage,
  senderName: string,
  omittedFiles: number,
  now: number,
): { person: MessageRow; reply: MessageRow } {
  const base = {
    conversation_id: conversationId,
    truncated: 0,
    error_code: null,
    error_message: null,
    tools: "[]",
    deadline_at: null,
    progress_at: null,
    created_at: now,
    completed_at: null,
    status: "queued" as const,
  };
  const person: MessageRow = {
    ...base,
    id: crypto.randomUUID(),
    role: "person",
    author: channelAuthor(m.kind, senderName),
    text: boundChannelText(m.text, m.truncated, omittedFiles).text,
    reply_to: null,
  };
  const reply: MessageRow = {
    ...base,
    id: crypto.randomUUID(),
    role: "employee",
    author: null,
    text: "",
    reply_to: person.id,
  };
  return { person, reply };
}
