import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";
import type { ChannelRow, SlackInstallationRow } from "../../db/schema.ts";
import { type ChannelKeyring, openCredential, sealCredential } from "./channel-secrets.ts";

// What is sealed where, in one place, so the verbs that save credentials (services/channels),
// the webhooks that check secrets and the outbox that sends replies read the same shapes:
// - channels.credential_sealed (owner = the employee id): the provider's token as a JSON string
//   (telegram: the bot token; whatsapp: the access token). Slack rows have none.
// - channels.secret_sealed (owner = the employee id): telegram: the webhook's secret token (a
//   JSON string); whatsapp: {appSecret, verifyToken}.
// - slack_installations.bot_token_sealed (owner = the account id): the bot token (a string).
// Opening throws (CredentialSealError, or a zod error for a shape that is not ours).

/** A sealed token or Telegram's webhook secret token. */
export const Token = z.string().min(1);
/** WhatsApp's secret_sealed: the Meta app's secret (signatures) and our verify token (handshake). */
export const WhatsAppSecret = z.object({
  appSecret: z.string().min(1),
  verifyToken: z.string().min(1),
});
export type WhatsAppSecret = z.infer<typeof WhatsAppSecret>;

/** Seals a token (or a WhatsApp secret) for an employee's channel row. */
export function sealForEmployee(
  keyring: ChannelKeyring,
  employeeId: string,
  value: string | WhatsAppSecret,
): Promise<string> {
  return sealCredential(keyring, employeeId, value);
}

/** The bot token (telegram) or access token (whatsapp) of a channel row. */
export async function openChannelToken(keyring: ChannelKeyring, row: ChannelRow): Promise<string> {
  if (!row.credentialSealed) throw new Error(`the ${row.kind} channel has no credential`);
  return Token.parse(await openCredential(keyring, row.employeeId, row.credentialSealed));
}

/** The secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token. */
export async function openTelegramSecret(
  keyring: ChannelKeyring,
  row: ChannelRow,
): Promise<string> {
  if (!row.secretSealed) throw new Error("the telegram channel has no webhook secret");
  return Token.parse(await openCredential(keyring, row.employeeId, row.secretSealed));
}

/** The app secret (signatures) and the verify token (Meta's handshake) of a WhatsApp row. */
export async function openWhatsAppSecret(
  keyring: ChannelKeyring,
  row: ChannelRow,
): Promise<WhatsAppSecret> {
  if (!row.secretSealed) throw new Error("the whatsapp channel has no app secret");
  return WhatsAppSecret.parse(await openCredential(keyring, row.employeeId, row.secretSealed));
}

/** Seals a workspace's bot token for its account. */
export function sealSlackBotToken(
  keyring: ChannelKeyring,
  accountId: string,
  token: string,
): Promise<string> {
  return sealCredential(keyring, accountId, token);
}

export async function openSlackBotToken(
  keyring: ChannelKeyring,
  installation: SlackInstallationRow,
): Promise<string> {
  return Token.parse(
    await openCredential(keyring, installation.accountId, installation.botTokenSealed),
  );
}

/** A fresh random token (32 bytes, base64url): WhatsApp's verify token. */
export function generateVerifyToken(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}
