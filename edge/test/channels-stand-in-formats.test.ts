import { describe, expect, it } from "vitest";
import {
  messageEvent,
  SLACK_SIGNING_SECRET,
  signedSlackRequest,
} from "../../testing/stand-ins/slack-event-delivery.ts";
import {
  makeMessageUpdate,
  newTelegramUpdates,
  telegramWebhookRequest,
} from "../../testing/stand-ins/telegram-webhook-delivery.ts";
import {
  messageWebhook,
  signedWhatsAppRequest,
  statusWebhook,
  WHATSAPP_APP_SECRET,
} from "../../testing/stand-ins/whatsapp-webhook-delivery.ts";
import { receiveSlackEvent } from "../channels/slack/slack-events.ts";
import { receiveTelegramWebhook } from "../channels/telegram/telegram-webhook.ts";
import { receiveWhatsAppWebhook } from "../channels/whatsapp/whatsapp-webhook.ts";

// What the stand-ins deliver (testing/stand-ins/*-delivery.ts) is what the edge's adapters read:
// the same bodies and signatures their `_test/deliver` controls POST, handed here to the
// adapters' own receive functions, so an end-to-end run cannot fail on a format the two sides
// disagree about. (testing/test/*-delivery.test.ts checks the deliveries themselves.)

const HOOK = "http://127.0.0.1:8787/channels/x";

describe("the stand-ins' webhook formats read by the edge's adapters", () => {
  it("Telegram: an update with the secret token is a message; a wrong token is 401", async () => {
    const updates = newTelegramUpdates();
    const made = makeMessageUpdate(updates, 77, {
      text: "Hello",
      from: { id: 555, first_name: "Ada", last_name: "L" },
    });
    if (typeof made === "string") throw new Error(made);
    const update = updates.made.get(made.updateId);
    const outcome = await receiveTelegramWebhook(telegramWebhookRequest(HOOK, update, "s3"), "s3");
    expect(outcome).toMatchObject({
      outcome: "messages",
      messages: [
        {
          kind: "telegram",
          providerMessageId: "555:77",
          sender: { id: "555", name: "Ada L" },
          text: "Hello",
          replyTo: { chatId: "555", messageId: 77 },
        },
      ],
    });
    const forged = await receiveTelegramWebhook(telegramWebhookRequest(HOOK, update, "no"), "s3");
    expect(forged).toMatchObject({ outcome: "rejected", status: 401 });
  });

  it("Slack: a DM and a threaded mention are messages; another secret is 401", async () => {
    const team = { teamId: "T0STANDIN", botUserId: "U0BOT" };
    const dm = messageEvent(team, { url: HOOK, user: "U0ADA", text: "Hi &amp; bye" });
    const mention = messageEvent(team, {
      url: HOOK,
      user: "U0ADA",
      text: "the report",
      channelType: "channel",
      channel: "C0GENERAL",
      threadTs: "1700000000.000100",
    });
    if (typeof dm === "string" || typeof mention === "string") throw new Error("bad input");
    const read = async (body: string, secret = SLACK_SIGNING_SECRET) =>
      receiveSlackEvent(await signedSlackRequest(HOOK, body, secret), SLACK_SIGNING_SECRET);
    expect(await read(dm.body)).toMatchObject({
      outcome: "messages",
      messages: [
        {
          providerMessageId: `T0STANDIN:${dm.clientMsgId}`,
          conversationId: "T0STANDIN:D0ADA",
          text: "Hi & bye",
          sender: { id: "U0ADA" },
        },
      ],
    });
    expect(await read(mention.body)).toMatchObject({
      outcome: "messages",
      messages: [
        {
          conversationId: "T0STANDIN:C0GENERAL:1700000000.000100",
          text: "the report",
          replyTo: { channel: "C0GENERAL", threadTs: "1700000000.000100" },
        },
      ],
    });
    expect(await read(dm.body, "another")).toMatchObject({ outcome: "rejected", status: 401 });
  });

  it("WhatsApp: a message is read with its name; statuses alone are ignored; forged is 401", async () => {
    const number = { phoneNumberId: "1065", displayPhoneNumber: "+1 555", wabaId: "1020" };
    const sent = messageWebhook(number, { from: "4915112345678", name: "Ada", text: "Hallo" });
    const receipt = statusWebhook(number, { messageId: "wamid.x", recipientId: "4915112345678" });
    if (typeof sent === "string" || typeof receipt === "string") throw new Error("bad input");
    const read = async (body: string, secret = WHATSAPP_APP_SECRET) =>
      receiveWhatsAppWebhook(await signedWhatsAppRequest(HOOK, body, secret), WHATSAPP_APP_SECRET);
    expect(await read(sent.body)).toMatchObject({
      outcome: "messages",
      messages: [
        {
          providerMessageId: sent.messageId,
          conversationId: "1065:4915112345678",
          sender: { id: "4915112345678", name: "Ada" },
          text: "Hallo",
        },
      ],
    });
    expect(await read(receipt.body)).toMatchObject({ outcome: "ignored" });
    expect(await read(sent.body, "forged")).toMatchObject({ outcome: "rejected", status: 401 });
  });
});
