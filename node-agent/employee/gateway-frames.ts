import { z } from "zod";

// OpenClaw's gateway WebSocket protocol (wire version 4) as the agent's chat client reads it:
// the frame envelopes and the payloads the client acts on (docs/openclaw-gateway.md has the
// protocol with its sources in the 2026.9.6 package). Everything here parses frames from inside
// an employee's container, so it is hostile input: every schema is loose about fields it does not
// use (OpenClaw adds fields within v4) and strict about sizes of what it keeps.

export const GATEWAY_PROTOCOL = 4;
// The largest frame the client reads; a larger one closes the socket before it is buffered.
// chat.history answers are capped at 6 MiB by OpenClaw itself; nothing else we ask for is bigger.
export const MAX_GATEWAY_FRAME_BYTES = 8 * 1024 * 1024;
// What the client keeps of any one text (an answer, a history message): past this it is cut and
// marked truncated, whatever OpenClaw sends.
export const MAX_TEXT_CHARS = 256 * 1024;
// What it keeps of a label (a tool title, a summary, an error message).
export const MAX_LABEL_CHARS = 1_000;

/** Cuts hostile strings to a size the client keeps. */
export const clip = (s: string, max = MAX_LABEL_CHARS): string =>
  s.length > max ? s.slice(0, max) : s;

const Str = z.string();
const Int = z.number().int();

// The three envelopes (docs/gateway/protocol/transport.md).
const ErrorShape = z.looseObject({
  code: Str,
  message: Str,
  details: z.unknown().optional(),
  retryable: z.boolean().optional(),
  retryAfterMs: Int.min(0).optional(),
});
export type GatewayErrorShape = z.infer<typeof ErrorShape>;

const ResFrame = z.looseObject({
  type: z.literal("res"),
  id: Str.min(1).max(128),
  ok: z.boolean(),
  payload: z.unknown().optional(),
  error: ErrorShape.optional(),
});
const EventFrame = z.looseObject({
  type: z.literal("event"),
  event: Str.min(1).max(200),
  payload: z.unknown().optional(),
  seq: Int.optional(),
});
const Frame = z.discriminatedUnion("type", [ResFrame, EventFrame]);
export type GatewayFrame = z.infer<typeof Frame>;

export type ParsedFrame = { ok: true; frame: GatewayFrame } | { ok: false; error: string };

/** One text frame from the gateway: a response or an event, or why it is neither. */
export function parseGatewayFrame(raw: string): ParsedFrame {
  if (raw.length > MAX_GATEWAY_FRAME_BYTES) return { ok: false, error: "frame too large" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: "not JSON" };
  }
  const parsed = Frame.safeParse(json);
  return parsed.success
    ? { ok: true, frame: parsed.data }
    : { ok: false, error: clip(z.prettifyError(parsed.error), 300) };
}

export const ConnectChallenge = z.looseObject({ nonce: Str.min(1).max(512), ts: Int.min(0) });

// hello-ok: only what the client uses. auth.scopes are the scopes the gateway enforces on this
// socket; policy.tickIntervalMs drives the liveness watchdog.
export const HelloOk = z.looseObject({
  type: z.literal("hello-ok"),
  protocol: Int,
  server: z.looseObject({ version: Str.max(200), connId: Str.max(200) }),
  auth: z.looseObject({ role: Str.max(64), scopes: z.array(Str.max(64)).max(64) }),
  policy: z.looseObject({
    maxPayload: Int.min(1),
    tickIntervalMs: Int.min(1),
    attachments: z.looseObject({ maxBytes: Int.min(1), maxImageBytes: Int.min(1) }).optional(),
  }),
  snapshot: z
    .looseObject({
      sessionDefaults: z
        .looseObject({
          defaultAgentId: Str.max(200).optional(),
          mainSessionKey: Str.max(512).optional(),
          modelConfigured: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type HelloOk = z.infer<typeof HelloOk>;

// The `chat` event (schema ChatEventSchema in the package): one per run step; `message` is the
// cumulative assistant message, `deltaText` what was added (or, with replace, everything).
const ChatBase = {
  runId: Str.min(1).max(256),
  sessionKey: Str.min(1).max(512),
  seq: Int.min(0),
};
export const ChatEvent = z.discriminatedUnion("state", [
  z.looseObject({
    ...ChatBase,
    state: z.literal("status"),
    phase: Str.max(64),
    retry: z.looseObject({ attempt: Int, maxAttempts: Int, reason: Str.max(64) }).optional(),
  }),
  z.looseObject({
    ...ChatBase,
    state: z.literal("delta"),
    deltaText: Str,
    replace: z.boolean().optional(),
    message: z.unknown().optional(),
  }),
  z.looseObject({
    ...ChatBase,
    state: z.literal("final"),
    message: z.unknown().optional(),
    stopReason: Str.max(200).optional(),
  }),
  z.looseObject({
    ...ChatBase,
    state: z.literal("aborted"),
    message: z.unknown().optional(),
    stopReason: Str.max(200).optional(),
    errorMessage: Str.optional(),
  }),
  z.looseObject({
    ...ChatBase,
    state: z.literal("error"),
    message: z.unknown().optional(),
    errorMessage: Str.optional(),
    errorKind: Str.max(64).optional(),
    errorDetail: z
      .looseObject({
        httpStatus: Int.optional(),
        failoverReason: Str.max(300).optional(),
        providerErrorMessagePreview: Str.optional(),
      })
      .optional(),
  }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

// The `agent` event; only its `item` stream (activity items: "running X", done, failed) is read.
// Items go to every socket holding operator.read, so the client needs no `tool-events` cap and
// never sees tools' raw arguments and results.
export const AgentEvent = z.looseObject({
  runId: Str.min(1).max(256),
  seq: Int.min(0).optional(),
  stream: Str.max(64),
  sessionKey: Str.max(512).optional(),
  data: z.record(Str, z.unknown()),
});
export const ActivityItem = z.looseObject({
  itemId: Str.min(1).max(512),
  phase: z.enum(["start", "update", "end"]),
  kind: Str.max(64),
  title: Str,
  status: z.enum(["running", "completed", "failed", "blocked"]).optional(),
  name: Str.max(200).optional(),
  summary: Str.optional(),
  error: Str.optional(),
});

// Answers to the methods the client calls.
export const ChatSendAck = z.looseObject({
  runId: Str.min(1).max(256),
  status: Str.max(64),
});
export const ChatAbortResult = z.looseObject({
  aborted: z.boolean(),
  runIds: z.array(Str.max(256)).max(1_000).default([]),
});
export const SessionsCreateResult = z.looseObject({
  key: Str.min(1).max(512),
  sessionId: Str.max(256).optional(),
});
export const SessionsListResult = z.looseObject({
  sessions: z
    .array(
      z.looseObject({
        key: Str.min(1).max(512),
        sessionId: Str.max(256).optional(),
        label: Str.optional(),
        displayName: Str.optional(),
        derivedTitle: Str.optional(),
        updatedAt: z.number().optional(),
        hasActiveRun: z.boolean().optional(),
      }),
    )
    .max(10_000),
});
export const ChatHistoryResult = z.looseObject({
  sessionKey: Str.max(512),
  sessionId: Str.max(256).optional(),
  messages: z.array(z.unknown()).max(10_000),
  hasMore: z.boolean().optional(),
  nextOffset: Int.min(0).optional(),
  totalMessages: Int.min(0).optional(),
  inFlightRun: z.looseObject({ runId: Str.max(256), text: Str.optional() }).nullish(),
  sessionInfo: z
    .looseObject({ activeRunIds: z.array(Str.max(256)).max(1_000).optional() })
    .optional(),
});
export type ChatHistoryResult = z.infer<typeof ChatHistoryResult>;

type Part = { type?: unknown; text?: unknown; name?: unknown };

/**
 * The text of a transcript or stream message (`{content: string | [{type:"text", text}, …]}`),
 * its text parts joined, cut at MAX_TEXT_CHARS; "" for anything else.
 */
export function messageText(message: unknown): { text: string; truncated: boolean } {
  const content =
    message && typeof message === "object" ? (message as { content?: unknown }).content : undefined;
  let text = "";
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    for (const part of content.slice(0, 1_000) as Part[]) {
      if (part && typeof part === "object" && part.type === "text" && typeof part.text === "string")
        text += part.text;
      if (text.length > MAX_TEXT_CHARS) break;
    }
  }
  return text.length > MAX_TEXT_CHARS
    ? { text: text.slice(0, MAX_TEXT_CHARS), truncated: true }
    : { text, truncated: false };
}

/** The tools an assistant message called (`toolCall` / `tool_use` parts), by name. */
export function messageTools(message: unknown): string[] {
  const content =
    message && typeof message === "object" ? (message as { content?: unknown }).content : undefined;
  if (!Array.isArray(content)) return [];
  return (content.slice(0, 1_000) as Part[])
    .filter(
      (p) =>
        p &&
        typeof p === "object" &&
        (p.type === "toolCall" || p.type === "tool_use") &&
        typeof p.name === "string",
    )
    .map((p) => clip(String(p.name), 200))
    .slice(0, 100);
}
