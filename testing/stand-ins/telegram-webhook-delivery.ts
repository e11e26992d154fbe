import { type Delivery, deliver, delivered, isLoopbackUrl } from "./webhook-delivery.ts";

// Telegram's side of a webhook: the URL rules of setWebhook, the updates a bot has (queued until
// delivered, kept for redelivery), their delivery with the secret token header, and the
// WebhookInfo that reports the last failure in Telegram's words. The request builder uses only
// fetch types, so workerd tests import it.

export const TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
/** Telegram documents no deadline; a webhook slower than this counts as failed. */
export const TELEGRAM_WEBHOOK_DEADLINE_MS = 10_000;
// setWebhook's own rule: only these ports for https.
const WEBHOOK_PORTS = new Set(["", "80", "88", "443", "8443"]);

/** The request Telegram POSTs to a webhook for an update, with the secret given to setWebhook. */
export function telegramWebhookRequest(url: string, update: unknown, secretToken?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secretToken !== undefined) headers[TELEGRAM_SECRET_HEADER] = secretToken;
  return new Request(url, { method: "POST", headers, body: JSON.stringify(update) });
}

export interface TelegramWebhook {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
}

/** One bot's webhook and updates. */
export interface TelegramUpdates {
  webhook: TelegramWebhook | null;
  nextUpdateId: number;
  /** Every update made, by update_id: a redelivery sends the same one. */
  made: Map<number, Record<string, unknown>>;
  /** Updates not yet accepted by a webhook (getWebhookInfo's pending_update_count). */
  pending: Set<number>;
  lastError?: { date: number; message: string };
}

export const newTelegramUpdates = (): TelegramUpdates => ({
  webhook: null,
  nextUpdateId: 100_000_001,
  made: new Map(),
  pending: new Set(),
});

/**
 * setWebhook's check of `url`, with the real API's descriptions: https on ports 80, 88, 443 or
 * 8443. The stand-in alone also takes http on loopback, so a local edge can be called.
 */
function webhookUrlError(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Bad Request: invalid webhook URL specified";
  }
  if (url.protocol === "http:" && isLoopbackUrl(url)) return null;
  if (url.protocol !== "https:")
    return "Bad Request: bad webhook: An HTTPS URL must be provided for webhook";
  if (!WEBHOOK_PORTS.has(url.port))
    return "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443";
  return null;
}

const isTrue = (v: unknown) => v === true || v === "true";
const badAllowed = "Bad Request: can't parse allowed updates JSON object";

/** setWebhook with the real API's checks and answers; an empty url removes the webhook. */
export function setWebhook(
  state: TelegramUpdates,
  params: Record<string, unknown>,
): { description: string } | { error: string } {
  const hookUrl = String(params.url ?? "");
  if (isTrue(params.drop_pending_updates)) state.pending.clear();
  if (hookUrl === "") {
    const had = state.webhook !== null;
    state.webhook = null;
    return { description: had ? "Webhook was deleted" : "Webhook is already deleted" };
  }
  const urlError = webhookUrlError(hookUrl);
  if (urlError) return { error: urlError };
  const secret = params.secret_token;
  if (
    secret !== undefined &&
    (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))
  )
    return { error: "Bad Request: secret token contains unallowed characters" };
  let allowed = params.allowed_updates;
  if (typeof allowed === "string") {
    try {
      allowed = JSON.parse(allowed);
    } catch {
      return { error: badAllowed };
    }
  }
  if (
    allowed !== undefined &&
    !(Array.isArray(allowed) && allowed.every((u) => typeof u === "string"))
  )
    return { error: badAllowed };
  const before = JSON.stringify(state.webhook);
  // A new URL starts a clean record; the same one keeps its last error, as Telegram's does.
  if (state.webhook?.url !== hookUrl) delete state.lastError;
  state.webhook = {
    url: hookUrl,
    ...(secret === undefined ? {} : { secret_token: secret }),
    ...(allowed === undefined ? {} : { allowed_updates: allowed as string[] }),
  };
  const same = before === JSON.stringify(state.webhook);
  return { description: same ? "Webhook is already set" : "Webhook was set" };
}

/** getWebhookInfo's result, with the last delivery error as Telegram words it. */
export function webhookInfo(state: TelegramUpdates) {
  const pending_update_count = state.pending.size;
  if (!state.webhook) return { url: "", has_custom_certificate: false, pending_update_count };
  return {
    url: state.webhook.url,
    has_custom_certificate: false,
    pending_update_count,
    ...(state.lastError
      ? { last_error_date: state.lastError.date, last_error_message: state.lastError.message }
      : {}),
    max_connections: 40,
    ...(state.webhook.allowed_updates ? { allowed_updates: state.webhook.allowed_updates } : {}),
  };
}

function failureMessage(d: Delivery): string {
  if (d.error === "timeout") return "Read timeout expired";
  if (d.error === "connection_failed") return "Connection refused";
  return `Wrong response from the webhook: ${d.status} ${d.statusText ?? ""}`.trim();
}

/**
 * Sends one update to the webhook (`secretToken` replaces the registered secret: null sends
 * none, to forge). Null when no webhook is set: the update waits for getUpdates.
 */
export async function deliverUpdate(
  state: TelegramUpdates,
  updateId: number,
  secretToken?: string | null,
): Promise<Delivery | null> {
  const update = state.made.get(updateId);
  if (!state.webhook || !update) return null;
  const secret =
    secretToken === undefined ? state.webhook.secret_token : (secretToken ?? undefined);
  const outcome = await deliver(
    telegramWebhookRequest(state.webhook.url, update, secret),
    TELEGRAM_WEBHOOK_DEADLINE_MS,
  );
  if (delivered(outcome)) state.pending.delete(updateId);
  else state.lastError = { date: Math.floor(Date.now() / 1000), message: failureMessage(outcome) };
  return outcome;
}

/** getUpdates: 409 while a webhook is set, as Telegram answers; `offset` confirms earlier ones. */
export function pollUpdates(state: TelegramUpdates, offset: number): Record<string, unknown>[] {
  for (const id of state.pending) if (id < offset) state.pending.delete(id);
  return [...state.pending]
    .sort((a, b) => a - b)
    .flatMap((id) => {
      const update = state.made.get(id);
      return update ? [update] : [];
    });
}

interface Person {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

/**
 * A new message from a person as a Telegram Update (a private chat with them unless `chat` is
 * given), queued; or why the test's input is not one.
 */
export function makeMessageUpdate(
  state: TelegramUpdates,
  messageId: number,
  input: Record<string, unknown>,
): { updateId: number } | string {
  const from = { id: 4242, first_name: "Tess", ...(input.from as object | undefined) } as Person;
  if (!Number.isSafeInteger(from.id) || from.id <= 0) return "from.id must be a positive integer";
  if (typeof from.first_name !== "string" || from.first_name === "")
    return "from.first_name must be a non-empty string";
  const text = input.text;
  const media = ["document", "photo"].filter((k) => input[k] !== undefined);
  if (text !== undefined && (typeof text !== "string" || text.length > 4096))
    return "text must be a string of at most 4096 characters";
  if (text === undefined && media.length === 0) return "give text, document or photo";
  if (input.caption !== undefined && typeof input.caption !== "string")
    return "caption must be a string";
  const chat = (input.chat as Record<string, unknown> | undefined) ?? {
    id: from.id,
    type: "private",
    first_name: from.first_name,
    ...(from.last_name ? { last_name: from.last_name } : {}),
    ...(from.username ? { username: from.username } : {}),
  };
  if (!Number.isSafeInteger(chat.id)) return "chat.id must be an integer";
  const allowed = state.webhook?.allowed_updates;
  if (allowed?.length && !allowed.includes("message"))
    return "the webhook's allowed_updates leave out message: Telegram would not send it";
  const updateId = state.nextUpdateId++;
  const message: Record<string, unknown> = {
    message_id: messageId,
    from: { ...from, is_bot: from.is_bot === true },
    chat: { type: "private", ...chat },
    date: Math.floor(Date.now() / 1000),
  };
  for (const key of ["text", "caption", "document", "photo"])
    if (input[key] !== undefined) message[key] = input[key];
  if (typeof input.replyToMessageId === "number")
    message.reply_to_message = { message_id: input.replyToMessageId, chat: message.chat, date: 0 };
  state.made.set(updateId, { update_id: updateId, message });
  state.pending.add(updateId);
  return { updateId };
}
