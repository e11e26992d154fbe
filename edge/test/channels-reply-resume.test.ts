import { describe, expect, it } from "vitest";
import { sendSlackReply } from "../channels/slack/slack-reply.ts";
import { sendTelegramReply } from "../channels/telegram/telegram-reply.ts";
import { sendWhatsAppReply } from "../channels/whatsapp/whatsapp-reply.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";

// The three split replies resumed at a part (`fromPart`, what the inbox's outbox passes after a
// failure part-way): the parts before are not sent again, the first part sent no longer quotes,
// and a failure counts the parts delivered in all.

const twoParts = `${"a".repeat(4000)}\n\n${"b".repeat(3000)}`;

describe("fromPart", () => {
  it("Telegram: sends from part 2 without the quote, counting parts in all on failure", async () => {
    const token = `${1000 + Math.floor(Math.random() * 1e8)}:${randomToken(35)}`;
    await standIn("/telegram/_test/bots", { token, username: "iw_resume_bot" });
    const bot = { apiUrl: config().TELEGRAM_API_URL, token };
    const replyTo = { kind: "telegram" as const, chatId: "42", messageId: 7 };
    await sendTelegramReply(bot, { text: twoParts, replyTo }, { fromPart: 1 });
    const { requests } = await standIn<{ requests: { params: Record<string, unknown> }[] }>(
      `/telegram/_test/requests?token=${encodeURIComponent(token)}&method=sendMessage`,
    );
    expect(requests.map((r) => r.params.text)).toEqual(["b".repeat(3000)]);
    expect(requests[0]?.params.reply_parameters).toBeUndefined();

    await standIn("/telegram/_test/fail", {
      token,
      method: "sendMessage",
      errorCode: 502,
      description: "Bad Gateway",
    });
    const err = await sendTelegramReply(bot, { text: twoParts, replyTo }, { fromPart: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "unavailable", partsDelivered: 1 });
  });

  it("Slack: posts from part 2 in the thread", async () => {
    const token = `xoxb-${randomToken(24)}`;
    await standIn("/slack/_test/workspaces", {
      token,
      teamId: "TRESUME",
      teamName: "Acme",
      botUserId: "UBOT",
    });
    const ws = { apiUrl: config().SLACK_API_URL, token };
    const replyTo = { kind: "slack" as const, teamId: "TRESUME", channel: "C1", threadTs: "1.2" };
    const sent = await sendSlackReply(
      ws,
      { text: twoParts, replyTo },
      { username: "Maya" },
      { fromPart: 1 },
    );
    expect(sent.ts).toHaveLength(1);
    const { requests } = await standIn<{ requests: { params: Record<string, unknown> }[] }>(
      `/slack/_test/requests?token=${encodeURIComponent(token)}&method=chat.postMessage`,
    );
    expect(requests.map((r) => [r.params.text, r.params.thread_ts])).toEqual([
      ["b".repeat(3000), "1.2"],
    ]);
  });

  it("WhatsApp: sends from part 2 without context", async () => {
    const phoneNumberId = String(200_000_000_000 + Math.floor(Math.random() * 1e9));
    const accessToken = `EAAG${randomToken(40)}`;
    await standIn("/whatsapp/_test/numbers", {
      phoneNumberId,
      token: accessToken,
      displayPhoneNumber: "+49 30 1234567",
      verifiedName: "Acme GmbH",
    });
    const n = { graphUrl: config().WHATSAPP_GRAPH_URL, accessToken, phoneNumberId };
    const replyTo = {
      kind: "whatsapp" as const,
      phoneNumberId,
      to: "16315551234",
      messageId: "wamid.IN",
    };
    await sendWhatsAppReply(n, { text: twoParts, replyTo }, { fromPart: 1 });
    const { requests } = await standIn<{ requests: { body: Record<string, unknown> | null }[] }>(
      `/whatsapp/_test/requests?phoneNumberId=${phoneNumberId}`,
    );
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toMatchObject({ text: { body: "b".repeat(3000) } });
    expect(requests[0]?.body?.context).toBeUndefined();
  });
});
