import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESEND_API_KEY } from "../stand-ins/resend-stand-in.ts";
import { startStandIns } from "../stand-ins/stand-in-server.ts";
import { call } from "./webhook-receiver.ts";

// The Resend stand-in keeps what an employee's threaded reply needs to be read back (sender,
// threading headers, attachments), and refuses what Resend refuses, in Resend's error shape.

let standIns: { url: string; server: Server };
let n = 0;
beforeAll(async () => {
  standIns = await startStandIns();
});
afterAll(async () => {
  await new Promise((r) => standIns.server.close(r));
});

const send = (mail: unknown, key = RESEND_API_KEY) =>
  call<Record<string, unknown>>(`${standIns.url}/resend/emails`, mail, {
    authorization: `Bearer ${key}`,
  });
const sentTo = async (to: string) =>
  (
    await call<{ emails: Record<string, unknown>[] }>(
      `${standIns.url}/resend/_test/sent?to=${encodeURIComponent(to)}`,
    )
  ).json.emails;

describe("POST /emails", () => {
  it("keeps the sender, threading headers and attachments as sent", async () => {
    const to = `ada${++n}@example.com`;
    const mail = {
      from: "Mia <mia@employees.example>",
      to,
      reply_to: "mia@employees.example",
      subject: "Re: The report",
      text: "Here it is.",
      html: "<p>Here it is.</p>",
      headers: {
        "In-Reply-To": "<m1@mail.example>",
        References: "<m0@mail.example> <m1@mail.example>",
        "Auto-Submitted": "auto-replied",
      },
      attachments: [
        { filename: "report.txt", content: Buffer.from("numbers").toString("base64") },
        { filename: "chart.png", content: "iVBORw0KGgo=", content_type: "image/png" },
      ],
    };
    const { status, json } = await send(mail);
    expect(status).toBe(200);
    const [kept] = await sentTo(to);
    expect(kept).toEqual({
      id: json.id,
      created_at: expect.any(String),
      from: "Mia <mia@employees.example>",
      to: [to],
      reply_to: ["mia@employees.example"],
      subject: "Re: The report",
      text: "Here it is.",
      html: "<p>Here it is.</p>",
      headers: mail.headers,
      attachments: [
        { filename: "report.txt", content: "bnVtYmVycw==", size: 7 },
        { filename: "chart.png", content: "iVBORw0KGgo=", content_type: "image/png", size: 8 },
      ],
    });
    const one = await call(`${standIns.url}/resend/emails/${json.id}`, undefined, {
      authorization: `Bearer ${RESEND_API_KEY}`,
    });
    expect(one.json).toMatchObject({ object: "email", id: json.id, subject: "Re: The report" });
  });

  it("refuses what Resend refuses, with its error names", async () => {
    const ok = { from: "a@example.com", to: ["b@example.com"], subject: "s", text: "t" };
    const cases: [unknown, string][] = [
      [{ ...ok, from: undefined }, "missing_required_field"],
      [{ ...ok, to: undefined }, "missing_required_field"],
      [{ ...ok, subject: "" }, "missing_required_field"],
      [{ ...ok, text: undefined }, "missing_required_field"],
      [{ ...ok, from: "not an address" }, "validation_error"],
      [{ ...ok, to: ["b@example.com", "nope"] }, "validation_error"],
      [
        { ...ok, to: Array.from({ length: 51 }, (_, i) => `p${i}@example.com`) },
        "validation_error",
      ],
      [{ ...ok, headers: { "In-Reply-To": 5 } }, "validation_error"],
      [{ ...ok, attachments: [{ filename: "a.txt" }] }, "validation_error"],
      [{ ...ok, attachments: [{ content: "AA==" }] }, "validation_error"],
      [{ ...ok, attachments: [{ filename: "a", content: "not base64!" }] }, "validation_error"],
      [[ok], "validation_error"],
    ];
    for (const [mail, name] of cases) {
      const { status, json } = await send(mail);
      expect({ mail, status, name: json.name }).toEqual({ mail, status: 422, name });
      expect(json).toMatchObject({ statusCode: 422, message: expect.any(String) });
    }
    expect(await sentTo("b@example.com")).toEqual([]);
    expect((await send(ok, "re_wrong")).status).toBe(403);
    const notJson = await fetch(`${standIns.url}/resend/emails`, {
      method: "POST",
      headers: { authorization: `Bearer ${RESEND_API_KEY}` },
      body: "{",
    });
    expect(notJson.status).toBe(422);
  });
});
