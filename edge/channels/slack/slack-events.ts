import { z } from "zod";
import { constantTimeEqual, hmacSha256Hex } from "../channel-crypto.ts";
import { parseJsonBytes, readWebhookBody } from "../channel-http.ts";
import { boundField, boundText, type InboundMessage } from "../channel-message.ts";
import { rejected, type WebhookOutcome } from "../webhook-outcome.ts";

// The Events API: every request is signed with the app's signing secret (v0 HMAC-SHA256 over
// `v0:{timestamp}:{raw body}`); the first is a url_verification challenge, then event_callback
// envelopes. The employee answers app mentions in channels and direct messages.

/** Largest event body read. */
export const MAX_SLACK_EVENT_BYTES = 1024 * 1024;
/** Requests older or newer than this are refused (replays). */
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

const encoder = new TextEncoder();

export async function verifySlackSignature(
  headers: Headers,
  body: Uint8Array,
  signingSecret: string,
  nowMs = Date.now(),
): Promise<boolean> {
  const timestamp = headers.get("x-slack-request-timestamp") ?? "";
  const signature = headers.get("x-slack-signature") ?? "";
  if (!/^\d{1,12}$/.test(timestamp) || signingSecret === "") return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_TOLERANCE_SECONDS) return false;
  const base = encoder.encode(`v0:${timestamp}:`);
  const signed = new Uint8Array(base.byteLength + body.byteLength);
  signed.set(base);
  signed.set(body, base.byteLength);
  const expected = `v0=${await hmacSha256Hex(signingSecret, signed)}`;
  return constantTimeEqual(signature, expected);
}

const SlackFile = z.object({ id: z.string() }).loose();

const MessageEvent = z
  .object({
    type: z.enum(["app_mention", "message"]),
    user: z.string().min(1).max(100).optional(),
    text: z.string().optional(),
    ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/),
    channel: z.string().min(1).max(100),
    channel_type: z.string().optional(),
    thread_ts: z
      .string()
      .regex(/^\d{1,12}\.\d{1,9}$/)
      .optional(),
    client_msg_id: z.string().max(100).optional(),
    bot_id: z.string().optional(),
    subtype: z.string().optional(),
    files: z.array(SlackFile).max(100).optional(),
  })
  .loose();

const Body = z.discriminatedUnion("type", [
  z.object({ type: z.literal("url_verification"), challenge: z.string() }).loose(),
  z
    .object({
      type: z.literal("event_callback"),
      team_id: z.string().min(1).max(100),
      event_id: z.string().min(1).max(100),
      event: z.object({ type: z.string() }).loose(),
      authorizations: z.array(z.object({ user_id: z.string().optional() }).loose()).optional(),
    })
    .loose(),
]);

// A challenge is echoed back as the response body: only its documented alphabet is accepted.
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;
// Subtypes that are still a person writing; the rest (edits, deletions, joins, bot messages) are
// not answered.
const ANSWERED_SUBTYPES = new Set(["file_share", "thread_broadcast"]);

function unescapeSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/**
 * An Events API body (already verified) as what the route does next. `botUserId` is the
 * installation's bot user: its own messages are ignored and mentions of it are removed.
 */
export function parseSlackEvent(body: unknown, botUserId?: string): WebhookOutcome {
  const parsed = Body.safeParse(body);
  if (!parsed.success) return { outcome: "ignored", reason: "not an event this app handles" };
  if (parsed.data.type === "url_verification") {
    const { challenge } = parsed.data;
    return CHALLENGE_PATTERN.test(challenge)
      ? { outcome: "handshake", body: challenge }
      : rejected(400, "malformed challenge");
  }
  const envelope = parsed.data;
  const event = MessageEvent.safeParse(envelope.event);
  if (!event.success) return { outcome: "ignored", reason: "not a message or mention" };
  const e = event.data;
  const bot = botUserId ?? envelope.authorizations?.find((a) => a.user_id)?.user_id;
  const direct = e.type === "message";
  if (direct && e.channel_type !== "im")
    return { outcome: "ignored", reason: "not a direct message" };
  if (e.subtype !== undefined && !ANSWERED_SUBTYPES.has(e.subtype)) {
    return { outcome: "ignored", reason: `subtype ${e.subtype}` };
  }
  if (e.bot_id !== undefined || !e.user || e.user === bot) {
    return { outcome: "ignored", reason: "written by a bot" };
  }
  const raw = unescapeSlack(e.text ?? "");
  const stripped = (bot ? raw.replaceAll(`<@${bot}>`, "") : raw).trim();
  const { text, truncated } = boundText(stripped);
  // Files need the files:read scope, which the app does not ask for: counted, not fetched.
  const omittedAttachments = e.files?.length ?? 0;
  if (text === "" && omittedAttachments === 0) return { outcome: "ignored", reason: "empty" };
  const team = envelope.team_id;
  // A mention starts (or continues) a thread under the message; a direct message outside a
  // thread is one conversation with the person, answered in the DM itself.
  const threadTs = e.thread_ts ?? (direct ? undefined : e.ts);
  const message: InboundMessage = {
    kind: "slack",
    // client_msg_id is the same on the app_mention and message events of one message.
    providerMessageId: `${team}:${e.client_msg_id ?? envelope.event_id}`,
    conversationId: threadTs ? `${team}:${e.channel}:${threadTs}` : `${team}:${e.channel}`,
    sender: { id: boundField(e.user) },
    text,
    truncated,
    attachments: [],
    omittedAttachments,
    receivedAt: new Date(Math.floor(Number(e.ts) * 1000)).toISOString(),
    replyTo: { kind: "slack", teamId: team, channel: e.channel, ...(threadTs ? { threadTs } : {}) },
  };
  return { outcome: "messages", messages: [message] };
}

/** An Events API request, checked and read: the signature first, then the body. */
export async function receiveSlackEvent(
  request: Request,
  signingSecret: string,
  opts: { botUserId?: string; nowMs?: number } = {},
): Promise<WebhookOutcome> {
  const body = await readWebhookBody(request, MAX_SLACK_EVENT_BYTES);
  if (body === null) return rejected(413, "event too large");
  if (!(await verifySlackSignature(request.headers, body, signingSecret, opts.nowMs))) {
    return rejected(401, "bad or stale signature");
  }
  const json = parseJsonBytes(body);
  if (json === undefined) return rejected(400, "event is not JSON");
  return parseSlackEvent(json, opts.botUserId);
}
