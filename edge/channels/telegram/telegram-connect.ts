import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import { callTelegram, type TelegramBot } from "./telegram-api.ts";

// Connecting a bot: getMe proves the token and names the bot, then setWebhook points Telegram
// at the edge with a secret it echoes in X-Telegram-Bot-Api-Secret-Token on every update.

/** Updates the edge asks for: new messages only (edits, reactions, joins are not wanted). */
export const TELEGRAM_ALLOWED_UPDATES = ["message"] as const;
// Telegram's own rule for secret_token.
const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

const User = z
  .object({
    id: z.number().int(),
    is_bot: z.boolean(),
    first_name: z.string(),
    username: z.string().optional(),
  })
  .loose();

export interface ConnectedTelegramBot {
  botId: string;
  username: string;
  name: string;
}

/** A fresh webhook secret (32 random bytes, base64url: within Telegram's allowed characters). */
export function generateTelegramSecretToken(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

export async function connectTelegram(
  bot: TelegramBot,
  webhookUrl: string,
  secretToken: string,
): Promise<ConnectedTelegramBot> {
  if (!SECRET_TOKEN_PATTERN.test(secretToken)) {
    throw new ChannelError({
      provider: "telegram",
      code: "invalid_request",
      providerCode: "bad_secret_token",
      message: "the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
    });
  }
  const me = await callTelegram(bot, "getMe", {}, User);
  if (!me.is_bot || !me.username) {
    throw new ChannelError({
      provider: "telegram",
      code: "invalid_request",
      providerCode: "not_a_bot",
      message: "this token does not belong to a bot",
    });
  }
  await callTelegram(
    bot,
    "setWebhook",
    { url: webhookUrl, secret_token: secretToken, allowed_updates: TELEGRAM_ALLOWED_UPDATES },
    z.literal(true),
  );
  return { botId: String(me.id), username: me.username, name: me.first_name };
}

/** Stops Telegram calling the edge for this bot (pending updates are kept by Telegram). */
export async function disconnectTelegram(bot: TelegramBot): Promise<void> {
  await callTelegram(bot, "deleteWebhook", { drop_pending_updates: false }, z.literal(true));
}

const WebhookInfo = z
  .object({
    url: z.string().max(2000),
    pending_update_count: z.number().int().nonnegative(),
    last_error_date: z.number().int().nonnegative().optional(),
    last_error_message: z.string().optional(),
    allowed_updates: z.array(z.string()).max(50).optional(),
  })
  .loose();

/** What Telegram says about the bot's webhook: the channel's "test" shows it. */
export interface TelegramWebhookInfo {
  /** The URL Telegram calls ("" when none is set: another poller may have taken the bot). */
  url: string;
  /** Updates Telegram holds because the webhook did not take them. */
  pendingUpdates: number;
  /** The last failed delivery, in Telegram's words ("Wrong response from the webhook: 401 …"). */
  lastError: { at: string; message: string } | null;
  allowedUpdates: string[] | null;
}

/**
 * getWebhookInfo: whether Telegram still calls the edge, and why its last delivery failed
 * (a wrong secret, an unreachable URL). The URL has no secret in it; the token is not returned.
 */
export async function getWebhookInfo(bot: TelegramBot): Promise<TelegramWebhookInfo> {
  const info = await callTelegram(bot, "getWebhookInfo", {}, WebhookInfo);
  return {
    url: info.url,
    pendingUpdates: info.pending_update_count,
    lastError:
      info.last_error_date === undefined
        ? null
        : {
            at: new Date(info.last_error_date * 1000).toISOString(),
            message: (info.last_error_message ?? "").slice(0, 500),
          },
    allowedUpdates: info.allowed_updates ?? null,
  };
}
