import type { z } from "zod";
import type { ChannelRow } from "../../db/schema.ts";
import { Token, WhatsAppSecret } from "../channels/channel-credentials.ts";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import type { InboundMessage } from "../channels/channel-message.ts";
import { CredentialSealError, openCredential } from "../channels/channel-secrets.ts";
import {
  receiveTelegramWebhook,
  TELEGRAM_SECRET_HEADER,
} from "../channels/telegram/telegram-webhook.ts";
import type { WebhookOutcome } from "../channels/webhook-outcome.ts";
import {
  receiveWhatsAppWebhook,
  verifyWhatsAppSubscription,
} from "../channels/whatsapp/whatsapp-webhook.ts";
import type { Env } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import type { ChannelReceiveInput, ChannelReceiveResult } from "../objects/inbox/inbox-rpc.ts";
import { employeeStub } from "../objects/stubs.ts";
import { getChannel } from "../store/channels.ts";
import type { Deps } from "./deps.ts";

// The providers' webhooks, in the order that keeps a message safe and a forger out:
// 1. find the channel the URL names (unknown → 404);
// 2. open its sealed secret and verify the request with it: a forged, missing or stale
//    signature is 401 and nothing is stored (the adapters check before they parse);
// 3. parse with the adapter (statuses, edits, bots' own messages: 200, nothing stored);
// 4. hand the messages to the employee's inbox (EmployeeDO `channelReceive`: one INSERT OR IGNORE
//    per provider message id), the only work before the answer. Stored or a duplicate: 200. The
//    inbox failed or was too slow: 503, so the provider sends it again.
// Slack's one events URL does the same after routing (services/slack-routing.ts receiveSlack).
// Screening, pairing and delivery happen in the inbox after the answer. Secrets and message
// texts are never logged.

/** What a webhook answers when it is taken: how many messages were new, how many seen before. */
export interface WebhookReceipt {
  ok: true;
  stored: number;
  duplicates: number;
  /** Why nothing was stored, when nothing was to be (a receipt, a paused channel). */
  ignored?: string;
}

export type WebhookAnswer = { type: "json"; body: WebhookReceipt } | { type: "text"; body: string };

/** Where the messages go: the employee's inbox, over RPC (a test passes its own). */
export interface ChannelInbox {
  receive(employeeId: string, input: ChannelReceiveInput): Promise<ChannelReceiveResult>;
}

export const employeeInbox = (env: Pick<Env, "EMPLOYEE_DO">): ChannelInbox => ({
  receive: (employeeId, input) => employeeStub(env, employeeId).channelReceive(input),
});

/**
 * The inbox must have answered by then: Slack waits 3 s (then retries whatever comes after), Meta
 * about as long. A 503 before the provider gives up is retried the same way, and a late store is
 * then a duplicate.
 */
export const RECEIVE_DEADLINE_MS = 2_500;

// Ids are our UUIDs; anything else is not a channel (and is never sent to D1).
const CHANNEL_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Acknowledged, nothing stored, and why. */
export const ignored = (why: string): WebhookAnswer => ({
  type: "json",
  body: { ok: true, stored: 0, duplicates: 0, ignored: why },
});

/** POST /channels/telegram/:channelId: an update, with the secret given to setWebhook. */
export async function receiveTelegram(
  deps: Deps,
  channelId: string,
  request: Request,
  inbox: ChannelInbox = employeeInbox(deps.env),
): Promise<WebhookAnswer> {
  const row = await webhookChannel(deps, "telegram", channelId);
  const secretToken = await openSecret(deps, row, Token);
  const outcome = await receiveTelegramWebhook(request, secretToken);
  return take(deps, inbox, row, outcome, request.headers.has(TELEGRAM_SECRET_HEADER));
}

/** GET /channels/whatsapp/:channelId: Meta's handshake when the callback URL is saved. */
export async function whatsAppHandshake(
  deps: Deps,
  channelId: string,
  url: URL,
): Promise<WebhookAnswer> {
  const row = await webhookChannel(deps, "whatsapp", channelId);
  const { verifyToken } = await openSecret(deps, row, WhatsAppSecret);
  const outcome = await verifyWhatsAppSubscription(url, verifyToken);
  if (outcome.outcome === "rejected") throw refusal(outcome, true);
  if (outcome.outcome !== "handshake") throw new Error("a handshake answers a handshake");
  return { type: "text", body: outcome.body };
}

/** POST /channels/whatsapp/:channelId: messages (and receipts) signed with the app secret. */
export async function receiveWhatsApp(
  deps: Deps,
  channelId: string,
  request: Request,
  inbox: ChannelInbox = employeeInbox(deps.env),
): Promise<WebhookAnswer> {
  const row = await webhookChannel(deps, "whatsapp", channelId);
  const { appSecret } = await openSecret(deps, row, WhatsAppSecret);
  const outcome = await receiveWhatsAppWebhook(request, appSecret);
  if (outcome.outcome !== "messages")
    return take(deps, inbox, row, outcome, request.headers.has("x-hub-signature-256"));
  // A Meta app has one callback URL for all its numbers: only this channel's number is taken
  // here (another number of the same app is connected with its own URL, or not at all).
  const mine = outcome.messages.filter(
    (m) => m.replyTo.kind === "whatsapp" && m.replyTo.phoneNumberId === row.externalId,
  );
  if (mine.length < outcome.messages.length)
    deps.log.warn("whatsapp messages for another number dropped", {
      channelId: row.id,
      dropped: outcome.messages.length - mine.length,
    });
  if (mine.length === 0) return ignored("messages for another phone number");
  return take(deps, inbox, row, { outcome: "messages", messages: mine }, true);
}

async function webhookChannel(
  deps: Deps,
  kind: "telegram" | "whatsapp",
  channelId: string,
): Promise<ChannelRow> {
  const row = CHANNEL_ID.test(channelId) ? await getChannel(deps.env.DB, channelId) : null;
  // A channel of another kind, or one whose webhook was never set up, is no webhook at all.
  if (!row || row.kind !== kind || row.secretSealed === null)
    throw new ApiError(404, "not_found", "No such channel.");
  return row;
}

/** The channel's webhook secret, opened; a server that cannot open it answers 503 (retried). */
async function openSecret<S extends z.ZodType>(
  deps: Deps,
  row: ChannelRow,
  schema: S,
): Promise<z.infer<S>> {
  const keyring = keyringFromConfig(deps.config);
  if (!keyring || row.secretSealed === null)
    throw new ApiError(503, "channels_not_configured", "Channels are not set up on this server.");
  let opened: unknown;
  try {
    opened = await openCredential(await keyring, row.employeeId, row.secretSealed);
  } catch (err) {
    // A rotated-away key or a damaged row: the operator must see it; the secret never is.
    deps.log.error("channel secret does not open", {
      channelId: row.id,
      kind: row.kind,
      reason: err instanceof CredentialSealError ? err.reason : "error",
    });
    throw new ApiError(503, "channels_not_configured", "This channel cannot be read right now.");
  }
  const parsed = schema.safeParse(opened);
  if (!parsed.success) {
    deps.log.error("channel secret has an unknown shape", { channelId: row.id, kind: row.kind });
    throw new ApiError(503, "channels_not_configured", "This channel cannot be read right now.");
  }
  return parsed.data;
}

/** What a verified (or refused) request comes to for a channel of its own URL. */
async function take(
  deps: Deps,
  inbox: ChannelInbox,
  row: ChannelRow,
  outcome: WebhookOutcome,
  signed: boolean,
): Promise<WebhookAnswer> {
  if (outcome.outcome === "rejected") throw refusal(outcome, signed);
  if (outcome.outcome === "handshake") return { type: "text", body: outcome.body };
  if (outcome.outcome === "ignored") return ignored(outcome.reason);
  // Paused: the webhook stays set so resuming is instant, and what arrives meanwhile is
  // acknowledged and dropped. A refusal would make Telegram hold the updates and Meta retry for
  // days, then hand the employee a backlog nobody expected when the channel is resumed.
  if (row.status === "paused") return ignored("channel paused");
  return storeMessages(deps, inbox, row, outcome.messages);
}

/** Hands the messages to the employee's inbox: the only work before the answer. */
export async function storeMessages(
  deps: Deps,
  inbox: ChannelInbox,
  row: ChannelRow,
  messages: InboundMessage[],
): Promise<WebhookAnswer> {
  const started = Date.now();
  const input: ChannelReceiveInput = { channelId: row.id, kind: row.kind, messages };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("the inbox did not answer in time")),
      RECEIVE_DEADLINE_MS,
    );
  });
  let result: ChannelReceiveResult;
  try {
    result = await Promise.race([inbox.receive(row.employeeId, input), late]);
  } catch (err) {
    deps.log.warn("channel message not stored", {
      channelId: row.id,
      kind: row.kind,
      employeeId: row.employeeId,
      ...errorFields(err),
    });
    throw new ApiError(
      503,
      "channel_unavailable",
      "The message could not be stored; send it again.",
      undefined,
      { "retry-after": "5" },
    );
  } finally {
    clearTimeout(timer);
  }
  deps.log.info("channel messages received", {
    channelId: row.id,
    kind: row.kind,
    employeeId: row.employeeId,
    stored: result.stored,
    duplicates: result.duplicates,
    ms: Date.now() - started,
  });
  return { type: "json", body: { ok: true, stored: result.stored, duplicates: result.duplicates } };
}

/** An adapter's refusal as the API's error shape (nothing was stored). */
export function refusal(
  r: Extract<WebhookOutcome, { outcome: "rejected" }>,
  signed: boolean,
): ApiError {
  if (r.status === 413) return new ApiError(413, "body_too_large", `Refused: ${r.reason}.`);
  if (r.status === 400)
    return new ApiError(
      400,
      r.reason.includes("JSON") ? "invalid_json" : "invalid_request",
      `Refused: ${r.reason}.`,
    );
  if (r.status === 401 && !signed)
    return new ApiError(401, "missing_signature", `Refused: ${r.reason}.`);
  return new ApiError(r.status, "invalid_signature", `Refused: ${r.reason}.`);
}
