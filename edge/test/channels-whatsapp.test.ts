import { encodeBase64 } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { GRAPH_API_VERSION, type WhatsAppNumber } from "../channels/whatsapp/whatsapp-api.ts";
import { connectWhatsApp } from "../channels/whatsapp/whatsapp-connect.ts";
import { fetchWhatsAppMedia } from "../channels/whatsapp/whatsapp-media.ts";
import { sendWhatsAppReply } from "../channels/whatsapp/whatsapp-reply.ts";
import {
  MAX_WHATSAPP_WEBHOOK_BYTES,
  parseWhatsAppWebhook,
  receiveWhatsAppWebhook,
  verifyWhatsAppSubscription,
} from "../channels/whatsapp/whatsapp-webhook.ts";
import { channelFailure, config, randomToken, standIn } from "./channels-test-helpers.ts";
import {
  signedWhatsAppRequest,
  WHATSAPP_APP_SECRET,
  WHATSAPP_VERIFY_TOKEN,
} from "./stand-ins/whatsapp-stand-in.ts";

const HOOK = "https://edge.example.com/api/channels/whatsapp/hook";
let numberCounter = Math.floor(Math.random() * 1e6) * 1000;

async function newNumber(): Promise<WhatsAppNumber> {
  const phoneNumberId = String(100_000_000_000 + ++numberCounter);
  const accessToken = `EAAG${randomToken(40)}`;
  await standIn("/whatsapp/_test/numbers", {
    phoneNumberId,
    token: accessToken,
    displayPhoneNumber: "+49 30 1234567",
    verifiedName: "Acme GmbH",
  });
  return { graphUrl: config().WHATSAPP_GRAPH_URL, accessToken, phoneNumberId };
}

interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}
const requestsOf = async (n: WhatsAppNumber) =>
  (
    await standIn<{ requests: Recorded[] }>(
      `/whatsapp/_test/requests?phoneNumberId=${n.phoneNumberId}`,
    )
  ).requests;

function webhook(value: Record<string, unknown>) {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field: "messages", value }] }],
  };
}
const metadata = { display_phone_number: "49301234567", phone_number_id: "106540352242922" };
const contacts = [{ profile: { name: "Kerry Fisher" }, wa_id: "16315551234" }];
const text = (id: string, body: string) => ({
  from: "16315551234",
  id,
  timestamp: "1767225600",
  type: "text",
  text: { body },
});

describe("webhook handshake and signature", () => {
  it("echoes hub.challenge only for subscribe with the right verify token", async () => {
    const url = (q: string) => new URL(`${HOOK}?${q}`);
    expect(
      await verifyWhatsAppSubscription(
        url(
          `hub.mode=subscribe&hub.verify_token=${WHATSAPP_VERIFY_TOKEN}&hub.challenge=1158201444`,
        ),
        WHATSAPP_VERIFY_TOKEN,
      ),
    ).toEqual({ outcome: "handshake", body: "1158201444" });
    for (const q of [
      "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
      `hub.mode=unsubscribe&hub.verify_token=${WHATSAPP_VERIFY_TOKEN}&hub.challenge=1`,
      "hub.challenge=1",
    ]) {
      expect(await verifyWhatsAppSubscription(url(q), WHATSAPP_VERIFY_TOKEN)).toMatchObject({
        outcome: "rejected",
        status: 403,
      });
    }
    const xss = url(
      `hub.mode=subscribe&hub.verify_token=${WHATSAPP_VERIFY_TOKEN}&hub.challenge=<script>`,
    );
    expect(await verifyWhatsAppSubscription(xss, WHATSAPP_VERIFY_TOKEN)).toMatchObject({
      status: 400,
    });
  });

  it("accepts only bodies signed with the app secret, within the size limit", async () => {
    const body = JSON.stringify(
      webhook({
        messaging_product: "whatsapp",
        metadata,
        contacts,
        messages: [text("wamid.A", "Hi")],
      }),
    );
    const good = await signedWhatsAppRequest(HOOK, body);
    expect((await receiveWhatsAppWebhook(good, WHATSAPP_APP_SECRET)).outcome).toBe("messages");
    const cases = [
      new Request(await signedWhatsAppRequest(HOOK, body), { body: body.replace("Hi", "Ho") }),
      await signedWhatsAppRequest(HOOK, body, "another-app"),
      new Request(HOOK, { method: "POST", body }),
    ];
    for (const request of cases) {
      expect(await receiveWhatsAppWebhook(request, WHATSAPP_APP_SECRET)).toMatchObject({
        outcome: "rejected",
        status: 401,
      });
    }
    const big = JSON.stringify({ pad: "x".repeat(MAX_WHATSAPP_WEBHOOK_BYTES) });
    expect(
      await receiveWhatsAppWebhook(await signedWhatsAppRequest(HOOK, big), WHATSAPP_APP_SECRET),
    ).toMatchObject({
      outcome: "rejected",
      status: 413,
    });
  });
});

describe("parsing", () => {
  it("turns text and media messages into InboundMessages with the contact's name", async () => {
    const body = webhook({
      messaging_product: "whatsapp",
      metadata,
      contacts,
      messages: [
        text(
          "wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
          "Do you have the price list?",
        ),
        {
          from: "16315551234",
          id: "wamid.DOC",
          timestamp: "1767225660",
          type: "document",
          document: {
            caption: "our order",
            filename: "order.pdf",
            mime_type: "application/pdf",
            sha256: "abc",
            id: "2754859441498128",
          },
        },
        {
          from: "16315551234",
          id: "wamid.IMG",
          timestamp: "1767225670",
          type: "image",
          image: { mime_type: "image/jpeg", sha256: "x", id: "1003383421387256" },
        },
      ],
    });
    const outcome = await receiveWhatsAppWebhook(
      await signedWhatsAppRequest(HOOK, JSON.stringify(body)),
      WHATSAPP_APP_SECRET,
    );
    expect(outcome.outcome === "messages" && outcome.messages).toEqual([
      {
        kind: "whatsapp",
        providerMessageId: "wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        conversationId: "106540352242922:16315551234",
        sender: { id: "16315551234", name: "Kerry Fisher" },
        text: "Do you have the price list?",
        truncated: false,
        attachments: [],
        omittedAttachments: 0,
        receivedAt: "2026-01-01T00:00:00.000Z",
        replyTo: {
          kind: "whatsapp",
          phoneNumberId: "106540352242922",
          to: "16315551234",
          messageId: "wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        },
      },
      expect.objectContaining({
        providerMessageId: "wamid.DOC",
        text: "our order",
        attachments: [
          {
            name: "order.pdf",
            contentType: "application/pdf",
            size: null,
            source: { kind: "whatsapp", mediaId: "2754859441498128" },
          },
        ],
      }),
      expect.objectContaining({
        providerMessageId: "wamid.IMG",
        text: "",
        attachments: [
          {
            name: "image",
            contentType: "image/jpeg",
            size: null,
            source: { kind: "whatsapp", mediaId: "1003383421387256" },
          },
        ],
      }),
    ]);
  });

  it("ignores statuses, reactions, other fields and malformed bodies", async () => {
    const statuses = webhook({
      messaging_product: "whatsapp",
      metadata,
      statuses: [
        {
          id: "wamid.X",
          status: "delivered",
          timestamp: "1767225600",
          recipient_id: "16315551234",
        },
      ],
    });
    expect(
      await receiveWhatsAppWebhook(
        await signedWhatsAppRequest(HOOK, JSON.stringify(statuses)),
        WHATSAPP_APP_SECRET,
      ),
    ).toMatchObject({
      outcome: "ignored",
    });
    const ignored = [
      webhook({
        messaging_product: "whatsapp",
        metadata,
        messages: [
          {
            from: "1",
            id: "w",
            timestamp: "1",
            type: "reaction",
            reaction: { message_id: "x", emoji: "👍" },
          },
        ],
      }),
      webhook({
        messaging_product: "whatsapp",
        metadata,
        messages: [
          {
            from: "1",
            id: "w",
            timestamp: "1",
            type: "location",
            location: { latitude: 1, longitude: 2 },
          },
        ],
      }),
      {
        object: "whatsapp_business_account",
        entry: [{ changes: [{ field: "account_update", value: {} }] }],
      },
      { object: "page", entry: [] },
      webhook({
        messaging_product: "whatsapp",
        metadata,
        messages: [{ from: "1", id: "w", timestamp: "soon", type: "text", text: { body: "x" } }],
      }),
      [],
    ];
    for (const body of ignored) expect(parseWhatsAppWebhook(body)).toEqual([]);
  });
});

describe("connect, media and replies", () => {
  it("validates the phone number id with its token", async () => {
    const n = await newNumber();
    expect(await connectWhatsApp(n)).toEqual({
      phoneNumberId: n.phoneNumberId,
      displayPhoneNumber: "+49 30 1234567",
      verifiedName: "Acme GmbH",
    });
    expect((await requestsOf(n))[0]?.path).toBe(
      `/${GRAPH_API_VERSION}/${n.phoneNumberId}?fields=id,display_phone_number,verified_name`,
    );
    const wrongToken = await channelFailure(
      connectWhatsApp({ ...n, accessToken: "EAAGnope" }),
      "unauthorized",
    );
    expect(wrongToken.providerCode).toBe("190");
    const other = await newNumber();
    const notMine = await channelFailure(
      connectWhatsApp({ ...n, phoneNumberId: other.phoneNumberId }),
      "invalid_request",
    );
    expect(notMine.providerCode).toBe("100");
    await channelFailure(connectWhatsApp({ ...n, phoneNumberId: "../me" }), "invalid_request");
  });

  it("fetches media through the media endpoint with the token, checking its hash and size", async () => {
    const n = await newNumber();
    const bytes = new Uint8Array([255, 216, 255, 224, 1, 2, 3]);
    const { id } = await standIn<{ id: string }>("/whatsapp/_test/media", {
      token: n.accessToken,
      mimeType: "image/jpeg",
      base64: encodeBase64(bytes),
    });
    expect(await fetchWhatsAppMedia(n, id)).toEqual({ bytes, contentType: "image/jpeg" });
    await channelFailure(fetchWhatsAppMedia(n, id, 3), "too_large");
  });

  it("replies with text quoting the message, split at 4096, then attachments", async () => {
    const n = await newNumber();
    const target = {
      kind: "whatsapp" as const,
      phoneNumberId: n.phoneNumberId,
      to: "16315551234",
      messageId: "wamid.IN",
    };
    const file = new Uint8Array([37, 80, 68, 70]);
    const sent = await sendWhatsAppReply(n, {
      text: `${"a".repeat(4000)} ${"b".repeat(100)}`,
      replyTo: target,
      attachments: [
        { name: "prices.pdf", contentType: "application/pdf", base64: encodeBase64(file) },
      ],
    });
    expect(sent.messageIds).toHaveLength(3);
    const calls = await requestsOf(n);
    const messages = `/${GRAPH_API_VERSION}/${n.phoneNumberId}/messages`;
    expect(calls.map((c) => [c.method, c.path])).toEqual([
      ["POST", messages],
      ["POST", messages],
      ["POST", `/${GRAPH_API_VERSION}/${n.phoneNumberId}/media`],
      ["POST", messages],
    ]);
    expect(calls[0]?.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "16315551234",
      context: { message_id: "wamid.IN" },
      type: "text",
      text: { body: "a".repeat(4000), preview_url: false },
    });
    expect(calls[1]?.body).not.toHaveProperty("context");
    expect(calls[2]?.body).toMatchObject({
      messaging_product: "whatsapp",
      type: "application/pdf",
      file: { name: "prices.pdf", base64: encodeBase64(file) },
    });
    expect(calls[3]?.body).toMatchObject({
      type: "document",
      document: { filename: "prices.pdf" },
    });
  });

  it("types Graph's error envelope: closed 24-hour window, rate limit, bad token", async () => {
    const n = await newNumber();
    const target = {
      kind: "whatsapp" as const,
      phoneNumberId: n.phoneNumberId,
      to: "4915112345678",
      messageId: "wamid.IN",
    };
    await standIn("/whatsapp/_test/close-window", {
      phoneNumberId: n.phoneNumberId,
      waId: "4915112345678",
    });
    const closed = await channelFailure(
      sendWhatsAppReply(n, { text: "hi", replyTo: target }),
      "forbidden",
    );
    expect(closed.providerCode).toBe("131047");
    const open = { ...target, to: "4915100000000" };
    await standIn("/whatsapp/_test/fail", {
      phoneNumberId: n.phoneNumberId,
      status: 400,
      error: { message: "(#130429) Rate limit hit", code: 130429 },
    });
    expect(
      (await channelFailure(sendWhatsAppReply(n, { text: "hi", replyTo: open }), "rate_limited"))
        .retryable,
    ).toBe(true);
    await channelFailure(
      sendWhatsAppReply({ ...n, accessToken: "EAAGrevoked" }, { text: "hi", replyTo: open }),
      "unauthorized",
    );
    await channelFailure(
      sendWhatsAppReply(n, { text: "hi", replyTo: { ...open, phoneNumberId: "999" } }),
      "invalid_request",
    );
  });
});
