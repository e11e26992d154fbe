import { encodeBase64 } from "@oslojs/encoding";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { MAX_ATTACHMENTS } from "../channels/channel-message.ts";
import {
  AddressUnavailableError,
  addressSlug,
  employeeAddress,
} from "../channels/email/email-address.ts";
import { automatedReason } from "../channels/email/email-loops.ts";
import { MAX_INBOUND_EMAIL_BYTES, parseInboundEmail } from "../channels/email/email-parse.ts";
import { composeEmailReply } from "../channels/email/email-reply.ts";
import { channelFailure } from "./channels-test-helpers.ts";

const EMPLOYEE = "maya@team.acme.example";
const envelope = { envelopeFrom: "ada@example.com", envelopeTo: EMPLOYEE };

function mail(
  headers: Record<string, string>,
  body = "Hello Maya,\r\nplease send the report.\r\n",
) {
  const base: Record<string, string> = {
    From: '"Ada Lovelace" <ada@example.com>',
    To: `Maya <${EMPLOYEE}>`,
    Subject: "Quarterly report",
    Date: "Thu, 01 Jan 2026 09:00:00 +0000",
    "Message-ID": "<m3@example.com>",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    ...headers,
  };
  const lines = Object.entries(base)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

describe("parsing inbound mail", () => {
  it("turns a plain message into an InboundMessage replying to its sender", async () => {
    const { message, automated } = await parseInboundEmail(
      { raw: mail({}), ...envelope },
      { receivedAt: new Date("2026-01-01T09:00:05Z") },
    );
    expect(automated).toBeNull();
    expect(message).toEqual({
      kind: "email",
      providerMessageId: "<m3@example.com>",
      conversationId: "<m3@example.com>",
      sender: { id: "ada@example.com", name: "Ada Lovelace", email: "ada@example.com" },
      text: "Hello Maya,\nplease send the report.",
      truncated: false,
      attachments: [],
      omittedAttachments: 0,
      receivedAt: "2026-01-01T09:00:05.000Z",
      replyTo: {
        kind: "email",
        to: "ada@example.com",
        employeeAddress: EMPLOYEE,
        messageId: "<m3@example.com>",
        references: ["<m3@example.com>"],
        subject: "Quarterly report",
      },
    });
  });

  it("finds the thread's root: first of References, else In-Reply-To", async () => {
    const threaded = await parseInboundEmail({
      raw: mail({
        "In-Reply-To": "<m2@example.com>",
        References: "<m1@example.com>\r\n <m2@example.com>",
        "Reply-To": "Ada at work <ada.work@example.org>",
      }),
      ...envelope,
    });
    expect(threaded.message.conversationId).toBe("<m1@example.com>");
    expect(threaded.message.replyTo).toMatchObject({
      to: "ada.work@example.org",
      references: ["<m1@example.com>", "<m2@example.com>", "<m3@example.com>"],
    });
    const replyOnly = await parseInboundEmail({
      raw: mail({ "In-Reply-To": "<m2@example.com>" }),
      ...envelope,
    });
    expect(replyOnly.message.conversationId).toBe("<m2@example.com>");
  });

  it("falls back to the HTML as text and keeps attachments inline, bounded", async () => {
    const pdf = new Uint8Array([37, 80, 68, 70, 45, 49, 46, 55, 0, 255]);
    // The logo is part of the HTML (multipart/related, cid:): not an attachment the employee sees.
    const related = [
      'Content-Type: multipart/related; boundary="b2"\r\n\r\n--b2',
      'Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>Maya</b>,</p><p>the <a href="https://x.example">offer</a> is attached.</p><img src="cid:logo@x">',
      "--b2\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=",
      "--b2--",
    ].join("\r\n");
    const parts = [
      related,
      `Content-Type: application/pdf; name="offer.pdf"\r\nContent-Disposition: attachment; filename="../offer.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${encodeBase64(pdf)}`,
    ];
    for (let i = 0; i < MAX_ATTACHMENTS + 2; i++) {
      parts.push(
        `Content-Type: text/csv\r\nContent-Disposition: attachment; filename="rows-${i}.csv"\r\n\r\na,b\r\n`,
      );
    }
    const raw = mail(
      { "Content-Type": 'multipart/mixed; boundary="b1"' },
      `${parts.map((p) => `--b1\r\n${p}\r\n`).join("")}--b1--\r\n`,
    );
    const { message } = await parseInboundEmail({ raw, ...envelope });
    expect(message.text).toContain("Hello Maya,");
    expect(message.text).toContain("is attached.");
    expect(message.text).not.toContain("<b>");
    expect(message.attachments).toHaveLength(MAX_ATTACHMENTS);
    expect(message.omittedAttachments).toBe(3);
    expect(message.attachments[0]).toEqual({
      name: "offer.pdf",
      contentType: "application/pdf",
      size: pdf.byteLength,
      source: { kind: "inline", base64: encodeBase64(pdf) },
    });
  });

  it("refuses messages over the size limit, by rawSize and by the bytes that arrive", async () => {
    await channelFailure(
      parseInboundEmail({ raw: mail({}), rawSize: MAX_INBOUND_EMAIL_BYTES + 1, ...envelope }),
      "too_large",
    );
    const chunk = new Uint8Array(1024 * 1024).fill(65);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        controller.enqueue(chunk);
        if (sent > 64) controller.close();
      },
    });
    await channelFailure(parseInboundEmail({ raw: endless, ...envelope }), "too_large");
    expect(sent).toBeLessThan(16);
  });

  it("uses a hash of the bytes as the dedupe key when there is no Message-ID", async () => {
    const raw = mail({ "Message-ID": "" });
    const a = await parseInboundEmail({ raw, ...envelope });
    const b = await parseInboundEmail({ raw: new TextEncoder().encode(raw), ...envelope });
    expect(a.message.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.message.providerMessageId).toBe(a.message.providerMessageId);
  });

  it("reports DMARC only from the topmost Authentication-Results of the trusted server", async () => {
    const trusted = { trustedAuthServId: "mx.cloudflare.net" };
    const pass =
      "mx.cloudflare.net; dkim=pass header.d=example.com; dmarc=pass (p=REJECT) header.from=example.com; spf=pass";
    const top = (v: string) => `Authentication-Results: ${v}\r\n`;
    const parse = (prefix: string, opts = trusted) =>
      parseInboundEmail({ raw: prefix + mail({}), ...envelope }, opts);
    expect((await parse(top(pass))).message.sender.verified).toBe(true);
    expect((await parse(top(pass), {} as typeof trusted)).message.sender).not.toHaveProperty(
      "verified",
    );
    expect(
      (await parse(top(pass.replace("dmarc=pass", "dmarc=fail")))).message.sender.verified,
    ).toBe(false);
    expect(
      (await parse(top(pass.replace("header.from=example.com", "header.from=evil.example"))))
        .message.sender.verified,
    ).toBe(false);
    expect(
      (await parse(top("mx.evil.example; dmarc=pass header.from=example.com"))).message.sender
        .verified,
    ).toBe(false);
    // The sender's own forged header sits below the receiving server's.
    const forged = top("mx.cloudflare.net; dmarc=fail header.from=example.com") + top(pass);
    expect((await parse(forged)).message.sender.verified).toBe(false);
  });
});

describe("loops", () => {
  const person = { envelopeFrom: "ada@example.com", from: "ada@example.com" };
  const h = (key: string, value: string) => [{ key, value }];

  it("recognises auto-replies, bounces, receipts and lists", () => {
    const automated: [
      Parameters<typeof automatedReason>[0],
      Parameters<typeof automatedReason>[1],
    ][] = [
      [h("auto-submitted", "auto-replied"), person],
      [h("auto-submitted", "auto-generated; owner-email=x@y"), person],
      [h("precedence", "bulk"), person],
      [h("precedence", "Junk"), person],
      [h("precedence", "list"), person],
      [h("x-autoreply", "yes"), person],
      [h("x-auto-response-suppress", "All"), person],
      [h("x-failed-recipients", "bob@example.com"), person],
      [h("list-id", "<team.lists.example.com>"), person],
      [h("content-type", 'multipart/report; report-type="delivery-status"; boundary=x'), person],
      [h("return-path", "<>"), person],
      [[], { envelopeFrom: "", from: "ada@example.com" }],
      [[], { envelopeFrom: "MAILER-DAEMON@mx.example.com", from: "mailer-daemon@mx.example.com" }],
      [[], { envelopeFrom: "bounce@x.example", from: "postmaster@x.example" }],
      [[], { envelopeFrom: "a@x.example", from: "no-reply@x.example" }],
    ];
    for (const [headers, sender] of automated)
      expect(automatedReason(headers, sender)).not.toBeNull();
    expect(automatedReason(h("auto-submitted", "no"), person)).toBeNull();
    expect(automatedReason(h("precedence", "first-class"), person)).toBeNull();
    expect(automatedReason([], person)).toBeNull();
  });

  it("flags a parsed out-of-office, a bounce, and mail from the employee itself", async () => {
    const ooo = await parseInboundEmail({
      raw: mail({ "Auto-Submitted": "auto-replied" }),
      ...envelope,
    });
    expect(ooo.automated).toContain("Auto-Submitted");
    const bounce = await parseInboundEmail({
      raw: mail({ "Return-Path": "<>" }),
      envelopeFrom: "",
      envelopeTo: EMPLOYEE,
    });
    expect(bounce.automated).not.toBeNull();
    const self = await parseInboundEmail({
      raw: mail({ From: `Maya <${EMPLOYEE}>` }),
      ...envelope,
    });
    expect(self.automated).toBe("sent by the employee's own address");
  });
});

describe("composing replies", () => {
  it("threads the reply, sends it from the employee, and marks it so it is not answered", async () => {
    const { message } = await parseInboundEmail({
      raw: mail({
        References: "<m1@example.com> <m2@example.com>",
        "In-Reply-To": "<m2@example.com>",
        Subject: "=?utf-8?B?R3LDvMOfZQ==?=",
      }),
      ...envelope,
    });
    const file = new Uint8Array(5000).map((_, i) => i % 256);
    const reply = composeEmailReply({
      fromName: "Maya Müller",
      reply: {
        text: "Hallo Ada,\nanbei der Bericht. Grüße",
        replyTo: message.replyTo,
        attachments: [
          { name: 'report "Q3".pdf', contentType: "application/pdf", base64: encodeBase64(file) },
        ],
      },
    });
    expect(reply).toMatchObject({ from: EMPLOYEE, to: "ada@example.com", subject: "Re: Grüße" });
    for (const line of reply.raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);

    const back = await PostalMime.parse(reply.raw);
    expect(back.from).toEqual({ name: "Maya Müller", address: EMPLOYEE });
    expect(back.to).toEqual([{ name: "", address: "ada@example.com" }]);
    expect(back.subject).toBe("Re: Grüße");
    expect(back.messageId).toBe(reply.messageId);
    expect(back.inReplyTo).toBe("<m3@example.com>");
    expect(back.references?.split(/\s+/)).toEqual([
      "<m1@example.com>",
      "<m2@example.com>",
      "<m3@example.com>",
    ]);
    // Text bodies travel in canonical CRLF form (RFC 2046 §4.1.1).
    expect(back.text?.trim()).toBe("Hallo Ada,\r\nanbei der Bericht. Grüße");
    expect(back.attachments[0]?.filename).toBe("report _Q3_.pdf");
    expect(new Uint8Array(back.attachments[0]?.content as ArrayBuffer)).toEqual(file);

    // Another employee receiving this reply would not answer it: no loop between employees.
    const echoed = await parseInboundEmail({
      raw: reply.raw,
      envelopeFrom: EMPLOYEE,
      envelopeTo: "other@team.acme.example",
    });
    expect(echoed.automated).toContain("Auto-Submitted");
    expect(echoed.message.conversationId).toBe("<m1@example.com>");
  });

  it("cannot be made to inject headers through the subject or the name", async () => {
    const evil = btoa("Hi\r\nBcc: victim@example.net");
    const { message } = await parseInboundEmail({
      raw: mail({ Subject: `=?utf-8?B?${evil}?=` }),
      ...envelope,
    });
    const reply = composeEmailReply({
      fromName: "Maya\r\nBcc: victim@example.net",
      reply: { text: "ok", replyTo: message.replyTo },
    });
    expect(reply.raw).not.toMatch(/^Bcc:/im);
    expect((await PostalMime.parse(reply.raw)).bcc).toBeUndefined();
    const target = message.replyTo;
    if (target.kind !== "email") throw new Error("expected an email target");
    await channelFailure(
      Promise.resolve().then(() =>
        composeEmailReply({
          fromName: "M",
          reply: {
            text: "ok",
            replyTo: { ...target, to: "a@b.example\r\nBcc: c@d.example" },
          },
        }),
      ),
      "invalid_request",
    );
  });

  it("does not stack Re: prefixes", async () => {
    const { message } = await parseInboundEmail({
      raw: mail({ Subject: "AW: Re: Angebot" }),
      ...envelope,
    });
    expect(
      composeEmailReply({ fromName: "M", reply: { text: "ok", replyTo: message.replyTo } }).subject,
    ).toBe("AW: Re: Angebot");
  });
});

describe("employee addresses", () => {
  it("makes a lowercase ASCII slug from a name", () => {
    expect(addressSlug("Jürgen Weiß")).toBe("juergen-weiss");
    expect(addressSlug("Zoë O'Brien")).toBe("zoe-obrien");
    expect(addressSlug("Łukasz Żółć")).toBe("lukasz-zolc");
    expect(addressSlug("  Anna--Lena   Schmidt!! ")).toBe("anna-lena-schmidt");
    expect(addressSlug("李明")).toBe("employee");
    expect(addressSlug("🤖")).toBe("employee");
    const long = addressSlug("Maximilian Alexander Friedrich von Hohenzollern-Sigmaringen");
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("adds the first free suffix, skips reserved names, accepts an async predicate", async () => {
    const used = new Set(["maya", "maya-2"]);
    expect(await employeeAddress("Maya", "Team.Acme.example", (s) => used.has(s))).toBe(
      "maya-3@team.acme.example",
    );
    expect(await employeeAddress("Maya", "acme.example", async (s) => used.has(s))).toBe(
      "maya-3@acme.example",
    );
    expect(await employeeAddress("Postmaster", "acme.example", () => false)).toBe(
      "postmaster-2@acme.example",
    );
    await expect(employeeAddress("Maya", "acme.example", () => true)).rejects.toBeInstanceOf(
      AddressUnavailableError,
    );
    await expect(employeeAddress("Maya", "not a domain", () => false)).rejects.toBeInstanceOf(
      AddressUnavailableError,
    );
  });
});
