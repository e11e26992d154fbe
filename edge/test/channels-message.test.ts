import { describe, expect, it } from "vitest";
import {
  boundText,
  InboundMessageSchema,
  MAX_INBOUND_TEXT_CHARS,
  OutboundReplySchema,
  safeFileName,
} from "../channels/channel-message.ts";
import { parseInboundEmail } from "../channels/email/email-parse.ts";
import { parseSlackEvent } from "../channels/slack/slack-events.ts";
import { splitText } from "../channels/split-text.ts";
import { parseTelegramUpdate } from "../channels/telegram/telegram-webhook.ts";
import { parseWhatsAppWebhook } from "../channels/whatsapp/whatsapp-webhook.ts";

describe("the normalized shape", () => {
  it("is what every provider's parser produces, and survives a JSON round trip", async () => {
    const telegram = parseTelegramUpdate({
      update_id: 1,
      message: {
        message_id: 7,
        from: { id: 1, is_bot: false, first_name: "A" },
        chat: { id: 1, type: "private" },
        date: 1_767_225_600,
        caption: "see file",
        document: { file_id: "F", file_unique_id: "u", file_size: 10 },
      },
    });
    const slack = parseSlackEvent({
      type: "event_callback",
      team_id: "T1",
      event_id: "Ev1",
      event: {
        type: "app_mention",
        user: "U1",
        text: "hi",
        ts: "1767225600.000100",
        channel: "C1",
      },
    });
    const whatsapp = parseWhatsAppWebhook({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { phone_number_id: "123" },
                messages: [
                  {
                    from: "49151",
                    id: "wamid.1",
                    timestamp: "1767225600",
                    type: "text",
                    text: { body: "hi" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const email = await parseInboundEmail({
      raw: "From: a@example.com\r\nTo: m@acme.example\r\nMessage-ID: <1@example.com>\r\nSubject: x\r\n\r\nhi\r\n",
    });
    const all = [
      telegram,
      slack.outcome === "messages" ? slack.messages[0] : null,
      whatsapp[0],
      email.message,
    ];
    expect(all.map((m) => m?.kind)).toEqual(["telegram", "slack", "whatsapp", "email"]);
    for (const message of all) {
      expect(InboundMessageSchema.parse(JSON.parse(JSON.stringify(message)))).toEqual(message);
    }
    const reply = { text: "ok", replyTo: email.message.replyTo };
    expect(OutboundReplySchema.parse(reply)).toEqual(reply);
  });

  it("refuses what does not fit it", () => {
    expect(InboundMessageSchema.safeParse({ kind: "fax" }).success).toBe(false);
    expect(
      OutboundReplySchema.safeParse({
        text: "x".repeat(40_000),
        replyTo: { kind: "slack", teamId: "T", channel: "C" },
      }).success,
    ).toBe(false);
  });
});

describe("text bounds", () => {
  it("cuts inbound text at the limit without splitting a surrogate pair", () => {
    const text = `${"a".repeat(MAX_INBOUND_TEXT_CHARS - 1)}😀tail`;
    const bounded = boundText(text);
    expect(bounded).toEqual({ text: "a".repeat(MAX_INBOUND_TEXT_CHARS - 1), truncated: true });
    expect(boundText("short")).toEqual({ text: "short", truncated: false });
  });

  it("splits replies at paragraph, line and word boundaries, never inside a surrogate pair", () => {
    expect(splitText("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(splitText("para one\n\npara two", 12)).toEqual(["para one", "para two"]);
    expect(splitText("x".repeat(10), 4)).toEqual(["xxxx", "xxxx", "xx"]);
    const emoji = "😀".repeat(5); // 10 code units
    const parts = splitText(emoji, 3);
    expect(parts.join("")).toBe(emoji);
    // A boolean, not the parts: a lone surrogate in a failure message breaks the reporter.
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(parts.some((p) => lone.test(p))).toBe(false);
    expect(splitText("  \n ", 10)).toEqual([]);
  });

  it("keeps file names to a base name without control characters", () => {
    expect(safeFileName("../../etc/passwd", "f")).toBe("passwd");
    expect(safeFileName("C:\\Users\\a\\report.pdf", "f")).toBe("report.pdf");
    expect(safeFileName("bad\u0000\r\nname.txt", "f")).toBe("badname.txt");
    expect(safeFileName("..", "fallback")).toBe("fallback");
    expect(safeFileName("x".repeat(500), "f")).toHaveLength(200);
  });
});

describe("reply attachments", () => {
  it("must be base64", () => {
    const replyTo = { kind: "telegram" as const, chatId: "1", messageId: 1 };
    const file = (base64: string) => ({
      text: "",
      replyTo,
      attachments: [{ name: "a", contentType: "text/plain", base64 }],
    });
    expect(OutboundReplySchema.safeParse(file("aGVsbG8=")).success).toBe(true);
    expect(OutboundReplySchema.safeParse(file("not base64!")).success).toBe(false);
  });
});
