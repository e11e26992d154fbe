import { decodeBase64 } from "@oslojs/encoding";
import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import type { OutboundReply } from "../channel-message.ts";
import { splitText } from "../split-text.ts";
import { callGraph, WHATSAPP_TEXT_LIMIT, type WhatsAppNumber } from "./whatsapp-api.ts";

const Sent = z.object({ messages: z.array(z.object({ id: z.string() })).min(1) }).loose();
const Uploaded = z.object({ id: z.string() }).loose();
// Images WhatsApp shows inline; any other file goes as a document.
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

/**
 * Sends a reply from the business number the message came to: text split at 4096 characters,
 * the first part quoting the message answered (`context.message_id`), then each attachment
 * uploaded to /{phone-number-id}/media and sent as an image or document. Returns the wamids.
 * `fromPart` resumes a reply after the parts a failure said were delivered (without quoting).
 */
export async function sendWhatsAppReply(
  number: WhatsAppNumber,
  reply: OutboundReply,
  opts: { fromPart?: number } = {},
): Promise<{ messageIds: string[] }> {
  const target = reply.replyTo;
  if (target.kind !== "whatsapp" || target.phoneNumberId !== number.phoneNumberId) {
    throw refuse("wrong_target", "the reply target is not this WhatsApp number");
  }
  const parts = splitText(reply.text, WHATSAPP_TEXT_LIMIT);
  const attachments = reply.attachments ?? [];
  if (parts.length === 0 && attachments.length === 0) throw refuse("empty_reply", "empty reply");
  const base = { messaging_product: "whatsapp", recipient_type: "individual", to: target.to };
  const messageIds: string[] = [];
  const fromPart = Math.max(0, opts.fromPart ?? 0);
  const send = async (message: Record<string, unknown>) => {
    const quote =
      fromPart + messageIds.length === 0 ? { context: { message_id: target.messageId } } : {};
    const sent = await callGraph(
      number,
      "POST",
      `${number.phoneNumberId}/messages`,
      { ...base, ...quote, ...message },
      Sent,
    );
    messageIds.push(sent.messages[0]?.id ?? "");
  };
  try {
    for (const body of parts.slice(fromPart))
      await send({ type: "text", text: { body, preview_url: false } });
    for (const file of attachments.slice(Math.max(0, fromPart - parts.length))) {
      const form = new FormData();
      form.set("messaging_product", "whatsapp");
      form.set("type", file.contentType);
      form.set(
        "file",
        new Blob([decodeBase64(file.base64)], { type: file.contentType }),
        file.name,
      );
      const media = await callGraph(
        number,
        "POST",
        `${number.phoneNumberId}/media`,
        form,
        Uploaded,
      );
      await send(
        IMAGE_TYPES.has(file.contentType)
          ? { type: "image", image: { id: media.id } }
          : { type: "document", document: { id: media.id, filename: file.name } },
      );
    }
  } catch (err) {
    if (err instanceof ChannelError) throw err.afterParts(fromPart + messageIds.length);
    throw err;
  }
  return { messageIds };
}

const refuse = (providerCode: string, message: string) =>
  new ChannelError({ provider: "whatsapp", code: "invalid_request", providerCode, message });
