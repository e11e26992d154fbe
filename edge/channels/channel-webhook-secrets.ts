import { z } from "zod";

// What a channel row's `secret_sealed` holds once opened with the channel keyring (owner = the
// employee id): the values a webhook is verified with. The channel verbs seal them at connect
// (sealCredential(keyring, employeeId, value)); the webhooks open them on every request. One
// shape here, so the side that writes and the side that reads cannot drift apart.

/** Telegram: the secret_token given to setWebhook. A bare string is read as the same. */
export const TelegramWebhookSecret = z
  .union([z.string().min(1), z.object({ secretToken: z.string().min(1) }).loose()])
  .transform((v) => ({ secretToken: typeof v === "string" ? v : v.secretToken }));
export type TelegramWebhookSecret = z.infer<typeof TelegramWebhookSecret>;

/** WhatsApp: the Meta app's secret (signatures) and the verify token we generated (handshake). */
export const WhatsAppWebhookSecret = z.object({
  appSecret: z.string().min(1),
  verifyToken: z.string().min(1),
});
export type WhatsAppWebhookSecret = z.infer<typeof WhatsAppWebhookSecret>;
