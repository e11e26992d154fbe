import { z } from "zod";
import { constantTimeEqual } from "../channel-crypto.ts";
import { parseJsonBytes, readWebhookBody } from "../channel-http.ts";
import {
  type Attachment,
  boundField,
  boundText,
  type InboundMessage,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  safeFileName,
} from "../channel-message.ts";
import { rejected, type WebhookOutcome } from "../webhook-outcome.ts";

export const TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
/** Largest update body read: one message's JSON is a few KB. */
export const MAX_TELEGRAM_UPDATE_BYTES = 256 * 1024;

/** True when the request carries the secret given to setWebhook (compared in constant time). */
export async function verifyTelegramWebhook(
  request: Request,
  secretToken: string,
): Promise<boolean> {
  const sent = request.headers.get(TELEGRAM_SECRET_HEADER);
  if (sent === null || secretToken === "") return false;
  return constantTimeEqual(sent, secretToken);
}

const FileRef = z
  .object({
    file_id: z.string().min(1).max(500),
    file_size: z.number().int().nonnegative().optional(),
    file_name: z.string().optional(),
    mime_type: z.string().optional(),
  })
  .loose();

const Message = z
  .object({
    message_id: z.number().int(),
    message_thread_id: z.number().int().optional(),
    is_topic_message: z.boolean().optional(),
    from: z
      .object({
        id: z.number().int(),
        is_bot: z.boolean(),
        first_name: z.string().optional(),
        last_name: z.string().optional(),
        username: z.string().optional(),
      })
      .loose()
      .optional(),
    chat: z.object({ id: z.number().int(), type: z.string() }).loose(),
    date: z.number().int().nonnegative(),
    text: z.string().optional(),
    caption: z.string().optional(),
    document: FileRef.optional(),
    photo: z.array(FileRef).max(20).optional(),
    audio: FileRef.optional(),
    voice: FileRef.optional(),
    video: FileRef.optional(),
  })
  .loose();

// Only `message`: edited_message, channel_post and the rest are not conversations with the
// employee (setWebhook asks for messages only; anything else that arrives is dropped here).
const Update = z.object({ update_id: z.number().int(), message: Message.optional() }).loose();

type TelegramMessage = z.infer<typeof Message>;

function attachmentsOf(m: TelegramMessage): { kept: Attachment[]; omitted: number } {
  const found: Attachment[] = [];
  const add = (ref: z.infer<typeof FileRef>, fallbackName: string, fallbackType: string) =>
    found.push({
      name: safeFileName(ref.file_name, fallbackName),
      contentType: boundField(ref.mime_type ?? fallbackType),
      size: ref.file_size ?? null,
      source: { kind: "telegram", fileId: ref.file_id },
    });
  if (m.document) add(m.document, "document", "application/octet-stream");
  // Telegram sends each photo in several sizes, smallest first: keep the largest that fits.
  const photo = m.photo
    ?.filter((p) => (p.file_size ?? 0) <= MAX_ATTACHMENT_BYTES)
    .sort((a, b) => (a.file_size ?? 0) - (b.file_size ?? 0))
    .pop();
  if (photo) add(photo, "photo.jpg", "image/jpeg");
  if (m.audio) add(m.audio, "audio", "audio/mpeg");
  if (m.voice) add(m.voice, "voice.ogg", "audio/ogg");
  if (m.video) add(m.video, "video.mp4", "video/mp4");
  const fits = found.filter((a) => (a.size ?? 0) <= MAX_ATTACHMENT_BYTES);
  const kept = fits.slice(0, MAX_ATTACHMENTS);
  return { kept, omitted: found.length - kept.length };
}

/**
 * An update as an InboundMessage, or null for what the employee does not answer: edits, channel
 * posts, service messages (joins, pins, …), messages from bots, anything malformed.
 */
export function parseTelegramUpdate(update: unknown): InboundMessage | null {
  const parsed = Update.safeParse(update);
  const m = parsed.success ? parsed.data.message : undefined;
  if (!m?.from || m.from.is_bot) return null;
  const { kept, omitted } = attachmentsOf(m);
  const { text, truncated } = boundText(m.text ?? m.caption ?? "");
  if (text.trim() === "" && kept.length === 0) return null;
  const chatId = String(m.chat.id);
  const topic = m.is_topic_message ? m.message_thread_id : undefined;
  const name = [m.from.first_name, m.from.last_name].filter(Boolean).join(" ") || m.from.username;
  return {
    kind: "telegram",
    providerMessageId: `${chatId}:${m.message_id}`,
    conversationId: topic === undefined ? chatId : `${chatId}/${topic}`,
    sender: { id: String(m.from.id), ...(name ? { name: boundField(name) } : {}) },
    text,
    truncated,
    attachments: kept,
    omittedAttachments: omitted,
    receivedAt: new Date(m.date * 1000).toISOString(),
    replyTo: {
      kind: "telegram",
      chatId,
      messageId: m.message_id,
      ...(topic === undefined ? {} : { messageThreadId: topic }),
    },
  };
}

/** A webhook request from Telegram, checked and read, as the route's next step. */
export async function receiveTelegramWebhook(
  request: Request,
  secretToken: string,
): Promise<WebhookOutcome> {
  if (!(await verifyTelegramWebhook(request, secretToken))) {
    return rejected(401, "missing or wrong secret token");
  }
  const body = await readWebhookBody(request, MAX_TELEGRAM_UPDATE_BYTES);
  if (body === null) return rejected(413, "update too large");
  const json = parseJsonBytes(body);
  if (json === undefined) return rejected(400, "update is not JSON");
  const message = parseTelegramUpdate(json);
  return message
    ? { outcome: "messages", messages: [message] }
    : { outcome: "ignored", reason: "not a new message from a person" };
}
