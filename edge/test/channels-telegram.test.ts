import { encodeBase64 } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { MAX_INBOUND_TEXT_CHARS } from "../channels/channel-message.ts";
import type { TelegramBot } from "../channels/telegram/telegram-api.ts";
import { connectTelegram, disconnectTelegram } from "../channels/telegram/telegram-connect.ts";
import { fetchTelegramFile } from "../channels/telegram/telegram-files.ts";
import { sendTelegramReply } from "../channels/telegram/telegram-reply.ts";
import {
  MAX_TELEGRAM_UPDATE_BYTES,
  parseTelegramUpdate,
  receiveTelegramWebhook,
  verifyTelegramWebhook,
} from "../channels/telegram/telegram-webhook.ts";
import { channelFailure, config, randomToken, standIn } from "./channels-test-helpers.ts";
import { telegramWebhookRequest } from "./stand-ins/telegram-stand-in.ts";

const HOOK = "https://edge.example.com/api/channels/telegram/hook";

// A bot of its own per test: the stand-in keeps its state per token.
async function newBot(username = `bot_${randomToken(6)}`): Promise<TelegramBot> {
  const token = `${Math.floor(Math.random() * 1e9)}:${randomToken(35)}`;
  await standIn("/telegram/_test/bots", { token, username });
  return { apiUrl: config().TELEGRAM_API_URL, token };
}

interface Recorded {
  method: string;
  params: Record<string, unknown>;
}
const requestsOf = async (bot: TelegramBot) =>
  (await standIn<{ requests: Recorded[] }>(`/telegram/_test/requests?token=${bot.token}`)).requests;

let updateId = 1;
function textUpdate(text: string, extra: Record<string, unknown> = {}) {
  return {
    update_id: updateId++,
    message: {
      message_id: 42,
      from: { id: 555, is_bot: false, first_name: "Ada", last_name: "Lovelace", username: "ada" },
      chat: { id: 555, type: "private", first_name: "Ada" },
      date: 1_767_225_600,
      text,
      ...extra,
    },
  };
}

describe("connect and disconnect", () => {
  it("validates the token with getMe and sets the webhook with its secret, messages only", async () => {
    const bot = await newBot("acme_helper_bot");
    const secret = randomToken(40);
    const connected = await connectTelegram(bot, HOOK, secret);
    expect(connected.username).toBe("acme_helper_bot");
    const calls = await requestsOf(bot);
    expect(calls.map((c) => c.method)).toEqual(["getMe", "setWebhook"]);
    expect(calls[1]?.params).toEqual({
      url: HOOK,
      secret_token: secret,
      allowed_updates: ["message"],
    });

    await disconnectTelegram(bot);
    expect((await requestsOf(bot)).at(-1)?.method).toBe("deleteWebhook");
  });

  it("turns a revoked token into an unauthorized failure and sets no webhook", async () => {
    const bot = await newBot();
    await standIn("/telegram/_test/revoke", { token: bot.token });
    const err = await channelFailure(connectTelegram(bot, HOOK, "s3cret"), "unauthorized");
    expect(err.providerCode).toBe("401");
    expect(err.message).not.toContain(bot.token);
  });

  it("refuses a malformed token before putting it in a URL", async () => {
    const bot = { apiUrl: config().TELEGRAM_API_URL, token: "123:abc/../../x" };
    const err = await channelFailure(connectTelegram(bot, HOOK, "s3cret"), "unauthorized");
    expect(err.providerCode).toBe("malformed_token");
  });

  it("refuses a webhook secret Telegram would not accept", async () => {
    const bot = await newBot();
    await channelFailure(connectTelegram(bot, HOOK, "has spaces"), "invalid_request");
    expect(await requestsOf(bot)).toEqual([]);
  });
});

describe("webhook", () => {
  const secret = randomToken(43);

  it("accepts only the secret header given to setWebhook", async () => {
    const update = textUpdate("hi");
    expect(await verifyTelegramWebhook(telegramWebhookRequest(HOOK, update, secret), secret)).toBe(
      true,
    );
    for (const sent of [undefined, "", `${secret}x`, secret.slice(0, -1), secret.toUpperCase()]) {
      const request = telegramWebhookRequest(HOOK, update, sent);
      expect(await verifyTelegramWebhook(request, secret)).toBe(false);
      expect(await receiveTelegramWebhook(request, secret)).toMatchObject({
        outcome: "rejected",
        status: 401,
      });
    }
  });

  it("turns a text message into an InboundMessage", async () => {
    const outcome = await receiveTelegramWebhook(
      telegramWebhookRequest(HOOK, textUpdate("Can you send the invoice?"), secret),
      secret,
    );
    expect(outcome).toEqual({
      outcome: "messages",
      messages: [
        {
          kind: "telegram",
          providerMessageId: "555:42",
          conversationId: "555",
          sender: { id: "555", name: "Ada Lovelace" },
          text: "Can you send the invoice?",
          truncated: false,
          attachments: [],
          omittedAttachments: 0,
          receivedAt: "2026-01-01T00:00:00.000Z",
          replyTo: { kind: "telegram", chatId: "555", messageId: 42 },
        },
      ],
    });
  });

  it("refuses bodies over the limit and bodies that are not JSON", async () => {
    const big = textUpdate("x".repeat(MAX_TELEGRAM_UPDATE_BYTES));
    expect(
      await receiveTelegramWebhook(telegramWebhookRequest(HOOK, big, secret), secret),
    ).toMatchObject({ outcome: "rejected", status: 413 });
    const notJson = new Request(HOOK, {
      method: "POST",
      headers: { "X-Telegram-Bot-Api-Secret-Token": secret },
      body: "{nope",
    });
    expect(await receiveTelegramWebhook(notJson, secret)).toMatchObject({
      outcome: "rejected",
      status: 400,
    });
  });

  it("ignores edits, service messages, bots, channel posts and malformed updates", () => {
    const base = textUpdate("hello").message;
    const ignored = [
      { update_id: 1, edited_message: { ...base, edit_date: 1_767_225_700 } },
      { update_id: 2, message: { ...base, text: undefined, new_chat_members: [{ id: 9 }] } },
      { update_id: 3, message: { ...base, text: undefined, pinned_message: base } },
      { update_id: 4, message: { ...base, from: { id: 8, is_bot: true, first_name: "B" } } },
      { update_id: 5, channel_post: base },
      { update_id: 6, message: { ...base, chat: "not a chat" } },
      "not an update",
      null,
    ];
    for (const update of ignored) expect(parseTelegramUpdate(update)).toBeNull();
  });

  it("keeps captions and turns documents and the largest photo into references", () => {
    const message = parseTelegramUpdate(
      textUpdate("", {
        text: undefined,
        caption: "Here is the contract",
        document: {
          file_id: "DOC1",
          file_unique_id: "u1",
          file_name: "../../etc/contract.pdf",
          mime_type: "application/pdf",
          file_size: 1234,
        },
        photo: [
          { file_id: "P-small", file_unique_id: "p1", width: 90, height: 90, file_size: 100 },
          { file_id: "P-large", file_unique_id: "p3", width: 1280, height: 1280, file_size: 9000 },
          { file_id: "P-mid", file_unique_id: "p2", width: 320, height: 320, file_size: 1000 },
        ],
      }),
    );
    expect(message?.text).toBe("Here is the contract");
    expect(message?.attachments).toEqual([
      {
        name: "contract.pdf",
        contentType: "application/pdf",
        size: 1234,
        source: { kind: "telegram", fileId: "DOC1" },
      },
      {
        name: "photo.jpg",
        contentType: "image/jpeg",
        size: 9000,
        source: { kind: "telegram", fileId: "P-large" },
      },
    ]);
  });

  it("cuts long text at the named limit and threads forum topics", () => {
    const message = parseTelegramUpdate(
      textUpdate("y".repeat(MAX_INBOUND_TEXT_CHARS + 10), {
        chat: { id: -100123, type: "supergroup" },
        message_thread_id: 7,
        is_topic_message: true,
      }),
    );
    expect(message?.text.length).toBe(MAX_INBOUND_TEXT_CHARS);
    expect(message?.truncated).toBe(true);
    expect(message?.conversationId).toBe("-100123/7");
    expect(message?.replyTo).toEqual({
      kind: "telegram",
      chatId: "-100123",
      messageId: 42,
      messageThreadId: 7,
    });
  });

  it("resolves a file reference with getFile and downloads it at the edge, bounded", async () => {
    const bot = await newBot();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await standIn("/telegram/_test/files", {
      token: bot.token,
      fileId: "DOC9",
      path: "documents/file_9.pdf",
      base64: encodeBase64(bytes),
    });
    expect(await fetchTelegramFile(bot, "DOC9")).toEqual(bytes);
    await channelFailure(fetchTelegramFile(bot, "DOC9", 4), "too_large");
    await channelFailure(fetchTelegramFile(bot, "missing"), "invalid_request");
  });
});

describe("replies", () => {
  const target = { kind: "telegram" as const, chatId: "555", messageId: 42 };

  it("sends plain text quoting the message answered", async () => {
    const bot = await newBot();
    const sent = await sendTelegramReply(bot, { text: "Sure, here it is.", replyTo: target });
    expect(sent.messageIds).toHaveLength(1);
    expect((await requestsOf(bot))[0]).toEqual({
      method: "sendMessage",
      params: {
        chat_id: "555",
        text: "Sure, here it is.",
        reply_parameters: { message_id: 42, allow_sending_without_reply: true },
      },
    });
  });

  it("splits text at 4096 characters on line breaks, quoting only in the first part", async () => {
    const bot = await newBot();
    const paragraph = `${"word ".repeat(399)}end.`; // 2000 characters
    const text = Array.from({ length: 5 }, () => paragraph).join("\n\n");
    const sent = await sendTelegramReply(bot, { text, replyTo: target });
    const calls = await requestsOf(bot);
    expect(sent.messageIds).toHaveLength(3);
    const parts = calls.map((c) => String(c.params.text));
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join("\n\n")).toBe(text);
    expect(calls.map((c) => "reply_parameters" in c.params)).toEqual([true, false, false]);
  });

  it("sends attachments as documents after the text", async () => {
    const bot = await newBot();
    const file = new Uint8Array([37, 80, 68, 70, 0, 255]);
    await sendTelegramReply(bot, {
      text: "Attached.",
      replyTo: target,
      attachments: [
        { name: "quote.pdf", contentType: "application/pdf", base64: encodeBase64(file) },
      ],
    });
    const doc = (await requestsOf(bot))[1];
    expect(doc).toEqual({
      method: "sendDocument",
      params: {
        chat_id: "555",
        document: { filename: "quote.pdf", type: "application/pdf", base64: encodeBase64(file) },
      },
    });
  });

  it("types the Bot API's error envelope: blocked, revoked, rate limited", async () => {
    const bot = await newBot();
    await standIn("/telegram/_test/block", { token: bot.token, chatId: "555" });
    const blocked = await channelFailure(
      sendTelegramReply(bot, { text: "hi", replyTo: target }),
      "forbidden",
    );
    expect(blocked.providerCode).toBe("403");
    expect(blocked.message).toContain("bot was blocked by the user");

    const other = { ...target, chatId: "777" };
    await standIn("/telegram/_test/fail", {
      token: bot.token,
      method: "sendMessage",
      errorCode: 429,
      description: "Too Many Requests: retry after 7",
      retryAfter: 7,
    });
    const limited = await channelFailure(
      sendTelegramReply(bot, { text: "hi", replyTo: other }),
      "rate_limited",
    );
    expect(limited.retryAfterSeconds).toBe(7);
    expect(limited.retryable).toBe(true);

    await standIn("/telegram/_test/revoke", { token: bot.token });
    const revoked = await channelFailure(
      sendTelegramReply(bot, { text: "hi", replyTo: other }),
      "unauthorized",
    );
    expect(revoked.retryable).toBe(false);
  });

  it("says how many parts went out when a later part fails", async () => {
    const bot = await newBot();
    await standIn("/telegram/_test/fail", {
      token: bot.token,
      method: "sendMessage",
      skip: 1,
      errorCode: 502,
      description: "Bad Gateway",
    });
    const text = `${"a".repeat(4000)}\n\n${"b".repeat(4000)}`;
    const err = await channelFailure(
      sendTelegramReply(bot, { text, replyTo: target }),
      "unavailable",
    );
    expect(err.partsDelivered).toBe(1);
    expect(err.retryable).toBe(true);
  });

  it("refuses an empty reply and a target of another channel", async () => {
    const bot = await newBot();
    await channelFailure(
      sendTelegramReply(bot, { text: "  ", replyTo: target }),
      "invalid_request",
    );
    await channelFailure(
      sendTelegramReply(bot, {
        text: "hi",
        replyTo: { kind: "whatsapp", phoneNumberId: "1", to: "2", messageId: "w" },
      }),
      "invalid_request",
    );
    expect(await requestsOf(bot)).toEqual([]);
  });
});
