import {
  CHAT_ERROR_CODES,
  type ChatErrorCode,
  type ChatState,
  type ConversationSource,
  MAX_ANSWER_CHARS,
  MAX_TITLE_CHARS,
} from "../../contract/chat.ts";
import type { EmployeeStatus } from "../../contract/employee.ts";
import type { AgentEvent } from "../../protocol/frames.ts";
import type { MessageRow } from "./inbox-store.ts";

// The inbox's rules as plain functions of a row and the time (the clock is the caller's, as in
// employee-lifecycle.ts): when a message may go, what a progress event does to its reply, when a
// run has taken too long. The Inbox (inbox.ts) stores what they return and performs the rest.
//
// Delivery: a person's message and its reply are stored together; the reply's id is the run id,
// which OpenClaw takes as its idempotency key, so a chat.send sent again (the node's outbox after
// a lost connection, or the resend on reconnect) never makes a second answer. Per conversation
// one reply is handed over at a time, in order; replies wait (queued) while the employee does not
// run, and go when it does.

/** A run that shows no sign of life for this long ends in timed_out (and is aborted). */
export const CHAT_RUN_DEADLINE_MS = 10 * 60_000;
/** Streaming updates closer together than this are not stored (the next carries the whole text). */
export const CHAT_PROGRESS_MIN_INTERVAL_MS = 100;
/** Messages waiting in one conversation; more are refused until the employee catches up. */
export const MAX_WAITING_PER_CONVERSATION = 20;
/** Conversations the list shows. */
export const CONVERSATION_LIST_LIMIT = 200;
/** Files uploaded but not sent that one employee keeps; more are refused until some are sent. */
export const MAX_UNSENT_ATTACHMENTS = 20;
/** An upload not sent with a message within this long is forgotten, and its bytes deleted. */
export const UNSENT_ATTACHMENT_TTL_MS = 24 * 60 * 60_000;
/** Tool steps kept per answer. */
export const MAX_TOOL_STEPS = 50;

const IN_FLIGHT: readonly string[] = ["sending", "streaming"];
export const isInFlight = (row: MessageRow) => IN_FLIGHT.includes(row.status);

/** An employee takes messages only while it runs. */
export const mayDeliver = (status: EmployeeStatus | undefined) => status === "running";

/** The OpenClaw session of a conversation: one per conversation, named by its source. */
export const sessionKey = (source: ConversationSource, conversationId: string) =>
  `agent:main:${source}:${conversationId}`;

/** A conversation's title from its first message: its first words, cut at MAX_TITLE_CHARS. */
export function titleFrom(text: string, fallback: string): string {
  const words = text.replace(/\s+/g, " ").trim().split(" ").slice(0, 8).join(" ");
  if (!words) return fallback;
  return words.length <= MAX_TITLE_CHARS ? words : `${words.slice(0, MAX_TITLE_CHARS - 1)}…`;
}

/** Of a conversation's open messages (in order), the reply to hand over now, if any. */
export function nextReply(open: MessageRow[]): MessageRow | undefined {
  const replies = open.filter((m) => m.role === "employee");
  if (replies.some(isInFlight)) return undefined;
  return replies.find((m) => m.status === "queued");
}

/** The reply as it is handed to the node. */
export const handedOver = (reply: MessageRow, now: number): MessageRow => ({
  ...reply,
  status: "sending",
  deadline_at: now + CHAT_RUN_DEADLINE_MS,
});

/** OpenClaw took the message: the answer is being written. */
export const taken = (reply: MessageRow, now: number): MessageRow =>
  reply.status === "sending"
    ? { ...reply, status: "streaming", deadline_at: now + CHAT_RUN_DEADLINE_MS }
    : reply;

/** The employee stopped (or moves) mid-answer: the reply waits again, to be sent whole later. */
export const requeued = (reply: MessageRow): MessageRow => ({
  ...reply,
  status: "queued",
  text: "",
  truncated: 0,
  tools: "[]",
  deadline_at: null,
  progress_at: null,
});

export function ended(
  row: MessageRow,
  now: number,
  status: "done" | "aborted" | "failed",
  error?: { code: ChatErrorCode; message: string },
): MessageRow {
  return {
    ...row,
    status,
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
    deadline_at: null,
    completed_at: now,
  };
}

export const timedOut = (reply: MessageRow, now: number) =>
  ended(reply, now, "failed", {
    code: "timed_out",
    message: `No answer within ${CHAT_RUN_DEADLINE_MS / 60_000} minutes.`,
  });

type Progress = Extract<AgentEvent, { type: "chat.progress" }>;

/**
 * What a progress event does to its reply: the new row, or null when it changes nothing (an
 * ended reply, a streaming update too soon after the last one). The agent throttles and caps,
 * but is not trusted to: text, tools and the error are cut here too.
 */
export function progressed(reply: MessageRow, event: Progress, now: number): MessageRow | null {
  if (!isInFlight(reply)) return null;
  if (
    event.state === "streaming" &&
    reply.progress_at !== null &&
    now - reply.progress_at < CHAT_PROGRESS_MIN_INTERVAL_MS
  )
    return null;
  const cut = event.text.length > MAX_ANSWER_CHARS;
  const next: MessageRow = {
    ...reply,
    status: "streaming",
    text: cut ? event.text.slice(0, MAX_ANSWER_CHARS) : event.text,
    truncated: event.truncated || cut ? 1 : 0,
    tools: JSON.stringify(
      event.tools.slice(0, MAX_TOOL_STEPS).map((t) => ({
        id: t.id.slice(0, 200),
        kind: t.kind.slice(0, 32),
        summary: t.summary.slice(0, 300),
        status: t.status,
      })),
    ),
    deadline_at: now + CHAT_RUN_DEADLINE_MS,
    progress_at: now,
  };
  switch (event.state) {
    case "streaming":
      return next;
    case "final":
      return ended(next, now, "done");
    case "aborted":
      return ended(next, now, "aborted");
    case "error": {
      const code = event.error?.code;
      const known = (CHAT_ERROR_CODES as readonly string[]).includes(code ?? "");
      return ended(next, now, "failed", {
        code: known ? (code as ChatErrorCode) : "model_error",
        message: (event.error?.message ?? "The employee could not answer.").slice(0, 1000),
      });
    }
  }
}

/**
 * Whether the employee can answer now, and if not, why: what the app says in the chat. A missing
 * model or a spent budget is said first, whatever the status: it is what has to be fixed.
 */
export function readinessOf(
  status: EmployeeStatus | undefined,
  facts: { modelConnected: boolean; budgetSpent: boolean },
): ChatState {
  if (!facts.modelConnected) return "no_model";
  if (facts.budgetSpent) return "budget_spent";
  switch (status) {
    case "running":
      return "ready";
    case "provisioning":
    case "restarting":
      return "starting";
    case "none":
    case "stopping":
    case "stopped":
      return "asleep";
    default:
      return "unavailable";
  }
}
