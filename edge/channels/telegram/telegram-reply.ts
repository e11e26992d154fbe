import { decodeBase64 } from "@oslojs/encoding";
import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import type { OutboundReply } from "../channel-message.ts";
import { splitText } from "../split-text.ts";
import { callTelegram, TELEGRAM_TEXT_LIMIT, type TelegramBot } from "./telegram-api.ts";

const SentMessage = z.object({ message_id: z.number().int() }).loose();

/**
 * Sends a reply as plain text (no parse_mode, so nothing the employee writes can break entity
 * parsing), split at Telegram's 4096-character limit; the first part quotes the message answered
 * (and still goes out if that message was deleted), attachments follow as documents. Returns
 * the ids of the messages sent. A failure part-way says how many parts were delivered in all;
 * sent again with `fromPart` = that number, the reply resumes there (without quoting again).
 */
export async function sendTelegramReply(
  bot: TelegramBot,
  reply: OutboundReply,
  opts: { fromPart?: number } = {},
): Promise<{ messageIds: number[] }> {
  const target = reply.replyTo;
  if (target.kind !== "telegram") throw wrongTarget(target.kind);
  const parts = splitText(reply.text, TELEGRAM_TEXT_LIMIT);
  const attachments = reply.attachments ?? [];
  if (parts.length === 0 && attachments.length === 0) throw emptyReply();
  const messageIds: number[] = [];
  const fromPart = Math.max(0, opts.fromPart ?? 0);
  const thread =
    target.messageThreadId === undefined ? {} : { message_thread_id: target.messageThreadId };
  try {
    for (const [i, text] of parts.entries()) {
      if (i < fromPart) continue;
      const quote =
        i === 0
          ? {
              reply_parameters: { message_id: target.messageId, allow_sending_without_reply: true },
            }
          : {};
      const sent = await callTelegram(
        bot,
        "sendMessage",
        { chat_id: target.chatId, text, ...thread, ...quote },
        SentMessage,
      );
      messageIds.push(sent.message_id);
    }
    for (const [j, file] of attachments.entries()) {
      if (parts.length + j < fromPart) continue;
      const form = new FormData();
      form.set("chat_id", target.chatId);
      if (target.messageThreadId !== undefined) {
        form.set("message_thread_id", String(target.messageThreadId));
      }
      form.set(
        "document",
        new Blob([decodeBase64(file.base64)], { type: file.contentType }),
        file.name,
      );
      const sent = await callTelegram(bot, "sendDocument", form, SentMessage);
      messageIds.push(sent.message_id);
    }
  } catch (err) {
    if (err instanceof ChannelError) throw err.afterParts(fromPart + messageIds.length);
    throw err;
  }
  return { messageIds };
}

const wrongTarget = (kind: string) =>
  new ChannelError({
    provider: "telegram",
    code: "invalid_request",
    providerCode: "wrong_target",
    message: `a ${kind} reply target cannot be sent through Telegram`,
  });

const emptyReply = () =>
  new ChannelError({
    provider: "telegram",
    code: "invalid_request",
    providerCode: "empty_reply",
    message: "a reply needs text or an attachment",
  });
