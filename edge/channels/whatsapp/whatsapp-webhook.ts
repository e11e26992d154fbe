import { z } from "zod";
import { constantTimeEqual, hmacSha256Hex } from "../channel-crypto.ts";
import { parseJsonBytes, readWebhookBody } from "../channel-http.ts";
import {
  type Attachment,
  boundField,
  boundText,
  type InboundMessage,
  safeFileName,
} from "../channel-message.ts";
import { rejected, type WebhookOutcome } from "../webhook-outcome.ts";

// Meta's webhooks for the Cloud API: a GET handshake when the callback URL is saved
// (hub.mode=subscribe, hub.verify_token, echo hub.challenge), then POSTs signed with the app
// secret (`X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`), each carrying entries of
// changes whose value holds messages (and statuses, which are delivery receipts: ignored).

/** Largest webhook body read (Meta batches up to a few hundred small events). */
export const MAX_WHATSAPP_WEBHOOK_BYTES = 1024 * 1024;
/** Messages taken from one webhook; a batch is never that large in practice. */
export const MAX_MESSAGES_PER_WEBHOOK = 100;

const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/** The GET handshake: echoes hub.challenge when mode and verify token match, else 403. */
export async function verifyWhatsAppSubscription(
  url: URL,
  verifyToken: string,
): Promise<WebhookOutcome> {
  const q = url.searchParams;
  const challenge = q.get("hub.challenge") ?? "";
  const tokenOk = await constantTimeEqual(q.get("hub.verify_token") ?? "", verifyToken);
  if (q.get("hub.mode") !== "subscribe" || verifyToken === "" || !tokenOk) {
    return rejected(403, "verify token mismatch");
  }
  if (!CHALLENGE_PATTERN.test(challenge)) return rejected(400, "malformed challenge");
  return { outcome: "handshake", body: challenge };
}

export async function verifyWhatsAppSignature(
  headers: Headers,
  body: Uint8Array,
  appSecret: string,
): Promise<boolean> {
  const sent = headers.get("x-hub-signature-256");
  if (sent === null || appSecret === "") return false;
  return constantTimeEqual(sent, `sha256=${await hmacSha256Hex(appSecret, body)}`);
}

const Media = z
  .object({
    id: z.string().min(1).max(100),
    mime_type: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
  })
  .loose();
const MEDIA_TYPES = ["image", "document", "audio", "video", "sticker"] as const;
const DEFAULT_NAMES: Record<(typeof MEDIA_TYPES)[number], string> = {
  image: "image",
  document: "document",
  audio: "audio",
  video: "video",
  sticker: "sticker.webp",
};

const Message = z
  .object({
    from: z.string().min(1).max(50),
    id: z.string().min(1).max(500),
    timestamp: z.string().regex(/^\d{1,12}$/),
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    button: z.object({ text: z.string() }).loose().optional(),
    interactive: z
      .object({
        button_reply: z.object({ title: z.string() }).loose().optional(),
        list_reply: z.object({ title: z.string() }).loose().optional(),
      })
      .loose()
      .optional(),
    image: Media.optional(),
    document: Media.optional(),
    audio: Media.optional(),
    video: Media.optional(),
    sticker: Media.optional(),
  })
  .loose();

const Value = z
  .object({
    messaging_product: z.literal("whatsapp"),
    metadata: z.object({ phone_number_id: z.string().min(1).max(50) }).loose(),
    contacts: z
      .array(
        z
          .object({ wa_id: z.string(), profile: z.object({ name: z.string() }).loose().optional() })
          .loose(),
      )
      .max(MAX_MESSAGES_PER_WEBHOOK)
      .optional(),
    messages: z.array(z.unknown()).optional(),
  })
  .loose();

const Body = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z
    .array(
      z.object({
        changes: z.array(z.object({ field: z.string(), value: z.unknown() })).max(100),
      }),
    )
    .max(100),
});

function textOf(m: z.infer<typeof Message>): string {
  if (m.type === "text") return m.text?.body ?? "";
  if (m.type === "button") return m.button?.text ?? "";
  if (m.type === "interactive") {
    return m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title ?? "";
  }
  if ((MEDIA_TYPES as readonly string[]).includes(m.type)) {
    return m[m.type as (typeof MEDIA_TYPES)[number]]?.caption ?? "";
  }
  return "";
}

function attachmentOf(m: z.infer<typeof Message>): Attachment | null {
  const type = MEDIA_TYPES.find((t) => t === m.type);
  const media = type && m[type];
  if (!type || !media) return null;
  return {
    name: safeFileName(media.filename, DEFAULT_NAMES[type]),
    contentType: boundField(media.mime_type ?? "application/octet-stream"),
    // The webhook does not say; fetchWhatsAppMedia checks MAX_ATTACHMENT_BYTES when it fetches.
    size: null,
    source: { kind: "whatsapp", mediaId: media.id },
  };
}

/**
 * The messages of a (verified) webhook body, in order. Statuses, reactions, locations and
 * other kinds the employee does not answer are left out; so is anything malformed.
 */
export function parseWhatsAppWebhook(body: unknown): InboundMessage[] {
  const parsed = Body.safeParse(body);
  if (!parsed.success) return [];
  const out: InboundMessage[] = [];
  for (const change of parsed.data.entry.flatMap((e) => e.changes)) {
    if (change.field !== "messages") continue;
    const value = Value.safeParse(change.value);
    if (!value.success) continue;
    const phoneNumberId = value.data.metadata.phone_number_id;
    for (const raw of value.data.messages ?? []) {
      if (out.length >= MAX_MESSAGES_PER_WEBHOOK) return out;
      const m = Message.safeParse(raw);
      if (!m.success) continue;
      const attachment = attachmentOf(m.data);
      const { text, truncated } = boundText(textOf(m.data));
      if (text.trim() === "" && !attachment) continue;
      const name = value.data.contacts?.find((c) => c.wa_id === m.data.from)?.profile?.name;
      out.push({
        kind: "whatsapp",
        providerMessageId: m.data.id,
        conversationId: `${phoneNumberId}:${m.data.from}`,
        sender: { id: m.data.from, ...(name ? { name: boundField(name) } : {}) },
        text,
        truncated,
        // The Cloud API sends one media item per message.
        attachments: attachment ? [attachment] : [],
        omittedAttachments: 0,
        receivedAt: new Date(Number(m.data.timestamp) * 1000).toISOString(),
        replyTo: { kind: "whatsapp", phoneNumberId, to: m.data.from, messageId: m.data.id },
      });
    }
  }
  return out;
}

/** A webhook POST, checked and read: size, then signature, then the messages. */
export async function receiveWhatsAppWebhook(
  request: Request,
  appSecret: string,
): Promise<WebhookOutcome> {
  const body = await readWebhookBody(request, MAX_WHATSAPP_WEBHOOK_BYTES);
  if (body === null) return rejected(413, "webhook too large");
  if (!(await verifyWhatsAppSignature(request.headers, body, appSecret))) {
    return rejected(401, "bad signature");
  }
  const json = parseJsonBytes(body);
  if (json === undefined) return rejected(400, "webhook is not JSON");
  const messages = parseWhatsAppWebhook(json);
  return messages.length > 0
    ? { outcome: "messages", messages }
    : { outcome: "ignored", reason: "no message from a person (statuses or other events)" };
}
