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
