import { createHmac, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStandIns } from "../stand-ins/stand-in-server.ts";
import { call, type Received, startReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

// The WhatsApp stand-in as Meta calling a Cloud API webhook: the subscription handshake, a
// person's message in Meta's envelope signed with the app secret (checked here as Meta
// documents it, with node:crypto), a statuses-only delivery, the same bytes sent again; and the
// Graph API's record of replies with their context.

let standIns: { url: string; server: Server };
let hook: WebhookReceiver;
let phoneNumberId: string;
let n = 0;
const TOKEN = "EAAG-stand-in-token";
const SECRET = "the-customers-app-secret";
const VERIFY = "verify-me-123";

beforeAll(async () => {
  standIns = await startStandIns();
  hook = await startReceiver();
});
afterAll(async () => {
  await hook.close();
  await new Promise((r) => standIns.server.close(r));
});
beforeEach(async () => {
  phoneNumberId = String(106_540_352_242_900 + ++n);
  hook.received.length = 0;
  Object.assign(hook.answer, { status: 200, body: "", delayMs: 0, echo: undefined });
  await call(`${standIns.url}/whatsapp/_test/numbers`, {
    phoneNumberId,
    token: `${TOKEN}-${n}`,
    displayPhoneNumber: "+1 555-078-3881",
    verifiedName: "Acme",
  });
});

const control = (route: string, body: Record<string, unknown> = {}) =>
  call<Record<string, unknown>>(`${standIns.url}/whatsapp/_test/${route}`, {
    phoneNumberId,
    ...body,
  });
const callback = () => `${hook.url}/channels/whatsapp/ch1`;
// The handshake as the edge answers it: the challenge when mode and token match.
const answerHandshake = (got: Received) => {
  const q = new URL(got.path, "http://x").searchParams;
  return q.get("hub.mode") === "subscribe" && q.get("hub.verify_token") === VERIFY
    ? String(q.get("hub.challenge"))
    : "no";
};
const subscribe = async () => {
  hook.answer.echo = answerHandshake;
  const outcome = await control("subscribe", {
    url: callback(),
    verifyToken: VERIFY,
    appSecret: SECRET,
  });
  hook.answer.echo = undefined;
  hook.received.length = 0;
  return outcome;
};

/** Meta's documented check: `sha256=` and the hex HMAC-SHA256 of the raw body. */
function signedByMeta(got: Received | undefined, secret = SECRET): boolean {
  const sent = Buffer.from(String(got?.headers["x-hub-signature-256"]));
  const mac = createHmac("sha256", secret).update(got?.raw ?? "");
  const expected = Buffer.from(`sha256=${mac.digest("hex")}`);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

describe("the subscription handshake", () => {
  it("GETs hub.mode, hub.verify_token and hub.challenge and keeps a webhook that echoes", async () => {
    const ok = await subscribe();
    expect(ok.json).toMatchObject({ verified: true, status: 200 });
    expect(String(ok.json.challenge)).toMatch(/^\d+$/);
    hook.answer.echo = answerHandshake;
    const wrong = await control("subscribe", { url: callback(), verifyToken: "guess" });
    expect(wrong.json).toMatchObject({ verified: false });
    const [got] = hook.received;
    expect(got?.method).toBe("GET");
    expect(got?.path).toMatch(/^\/channels\/whatsapp\/ch1\?hub\.mode=subscribe&hub\.challenge=\d+/);
    // The refused subscription left the first one in place.
    hook.answer.echo = undefined;
    expect((await control("deliver", { from: "4915112345678", text: "hi" })).json).toMatchObject({
      delivered: true,
    });
    expect(signedByMeta(hook.received.at(-1))).toBe(true);
  });

  it("refuses to deliver before a webhook is subscribed", async () => {
    const { status, json } = await control("deliver", { from: "4915112345678", text: "hi" });
    expect(status).toBe(409);
    expect(json.error).toContain("subscribe");
  });
});

describe("delivering", () => {
  it("POSTs a person's message in Meta's envelope, signed with the app secret", async () => {
    await subscribe();
    const sent = await control("deliver", {
      from: "4915112345678",
      name: "Ada",
      text: "Hello",
      context: "wamid.earlier",
    });
    expect(sent.json).toMatchObject({ delivered: true, status: 200 });
    expect(String(sent.json.messageId)).toMatch(/^wamid\.[A-Za-z0-9+/=]+$/);
    const [got] = hook.received;
    expect(got?.method).toBe("POST");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(signedByMeta(got)).toBe(true);
    expect(signedByMeta(got, "another-secret")).toBe(false);
    expect(JSON.parse(`${got?.raw}`)).toEqual({
      object: "whatsapp_business_account",
      entry: [
        {
          id: expect.any(String),
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: "Ada" }, wa_id: "4915112345678" }],
                messages: [
                  {
                    context: { from: "15550783881", id: "wamid.earlier" },
                    from: "4915112345678",
                    id: sent.json.messageId,
                    timestamp: expect.stringMatching(/^\d{10}$/),
                    type: "text",
                    text: { body: "Hello" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it("sends media by id", async () => {
    await subscribe();
    await control("deliver", {
      from: "4915112345678",
      media: { type: "image", id: "1234", mime_type: "image/png", sha256: "abc", caption: "look" },
    });
    const message = JSON.parse(`${hook.received[0]?.raw}`).entry[0].changes[0].value.messages[0];
    expect(message).toMatchObject({
      type: "image",
      image: { id: "1234", mime_type: "image/png", caption: "look" },
    });
  });

  it("sends a delivery receipt alone, with no messages", async () => {
    await subscribe();
    const sent = await control("deliver-status", {
      messageId: "wamid.ours",
      recipientId: "4915112345678",
      status: "read",
    });
    expect(sent.json).toMatchObject({ delivered: true });
    const value = JSON.parse(`${hook.received[0]?.raw}`).entry[0].changes[0].value;
    expect(value).not.toHaveProperty("messages");
    expect(value.statuses).toMatchObject([
      { id: "wamid.ours", status: "read", recipient_id: "4915112345678" },
    ]);
    expect(signedByMeta(hook.received[0])).toBe(true);
  });

  it("sends the same bytes again after a refusal", async () => {
    await subscribe();
    hook.answer.status = 503;
    const first = await control("deliver", { from: "4915112345678", text: "once" });
    expect(first.json).toMatchObject({ delivered: false, status: 503 });
    hook.answer.status = 200;
    const again = await control("redeliver", { deliveryId: first.json.deliveryId });
    expect(again.json).toMatchObject({ delivered: true, deliveryId: first.json.deliveryId });
    const [one, two] = hook.received;
    expect(two?.raw.equals(one?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(two?.headers["x-hub-signature-256"]).toBe(one?.headers["x-hub-signature-256"]);
    expect((await control("redeliver", { deliveryId: "nope" })).status).toBe(404);
  });

  it("goes to a URL and secret the test names (to forge)", async () => {
    await control("deliver", {
      from: "4915112345678",
      text: "forged",
      url: callback(),
      appSecret: "not-the-secret",
    });
    expect(signedByMeta(hook.received[0])).toBe(false);
    expect(signedByMeta(hook.received[0], "not-the-secret")).toBe(true);
  });

  it("refuses input that is not a message", async () => {
    await subscribe();
    for (const bad of [
      { text: "no sender" },
      { from: "+49 151", text: "x" },
      { from: "4915112345678" },
      { from: "4915112345678", text: "x", media: { type: "image", id: "1" } },
      { from: "4915112345678", media: { type: "sticker-pack", id: "1" } },
      { from: "4915112345678", text: "x", context: 5 },
      { from: "4915112345678", text: "x", url: "https://example.com/hook" },
    ]) {
      const { status, json } = await control("deliver", bad);
      expect(status).toBe(400);
      expect(json.error).toEqual(expect.any(String));
    }
    for (const bad of [{ recipientId: "1" }, { messageId: "w", recipientId: "x" }]) {
      expect((await control("deliver-status", bad)).status).toBe(400);
    }
    expect(hook.received).toHaveLength(0);
  });
});

describe("the Graph API", () => {
  const graph = (path: string, body?: unknown) =>
    call<Record<string, unknown>>(`${standIns.url}/whatsapp/v21.0/${path}`, body, {
      authorization: `Bearer ${TOKEN}-${n}`,
    });

  it("records a reply with its context and refuses a malformed one in Graph's shape", async () => {
    const reply = {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "4915112345678",
      context: { message_id: "wamid.theirs" },
      type: "text",
      text: { body: "Answer", preview_url: false },
    };
    const sent = await graph(`${phoneNumberId}/messages`, reply);
    expect(sent.json).toMatchObject({ messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    const { json } = await call<{ requests: { body: unknown }[] }>(
      `${standIns.url}/whatsapp/_test/requests?phoneNumberId=${phoneNumberId}`,
    );
    expect(json.requests.at(-1)?.body).toEqual(reply);
    const noBody = await graph(`${phoneNumberId}/messages`, { ...reply, text: {} });
    expect(noBody.status).toBe(400);
    expect(noBody.json).toMatchObject({ error: { code: 100, type: "OAuthException" } });
    const badContext = await graph(`${phoneNumberId}/messages`, { ...reply, context: {} });
    expect(badContext.status).toBe(400);
  });

  it("answers a body that is not JSON with Graph's error", async () => {
    const res = await fetch(`${standIns.url}/whatsapp/v21.0/${phoneNumberId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}-${n}`, "content-type": "application/json" },
      body: "{to",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 100, type: "OAuthException" } });
  });

  it("answers GET of the number for connect", async () => {
    expect((await graph(phoneNumberId)).json).toEqual({
      id: phoneNumberId,
      display_phone_number: "+1 555-078-3881",
      verified_name: "Acme",
    });
  });
});
