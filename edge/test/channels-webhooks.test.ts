import { beforeAll, describe, expect, it } from "vitest";
import type { ChannelRow } from "../../db/schema.ts";
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
import { channelWebhookPath } from "../channels/channel-view.ts";
import { connectTelegram, getWebhookInfo } from "../channels/telegram/telegram-connect.ts";
import {
  type ChannelInbox,
  RECEIVE_DEADLINE_MS,
  receiveTelegram,
  receiveWhatsApp,
} from "../services/channel-inbound.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";
import {
  bareEmployee,
  channelOf,
  deps,
  ORIGIN,
  RecordingInbox,
  timed,
  worker,
} from "./channels-webhook-fixtures.ts";
import { errorOf } from "./helpers.ts";
import { person } from "./team-fixture.ts";

// The providers' webhooks (/channels/…), Telegram and WhatsApp here (Slack in
// channels-slack-webhooks.test.ts): a request is verified before anything is stored, a forged
// one reaches no inbox, a paused channel takes nothing, and the only work before the answer is
// the inbox's channelReceive (a recording inbox stands in for the EmployeeDO where a test must
// see what reached it). Bodies and signatures are the stand-ins' (testing/stand-ins/).

const SECRET = randomToken(40);
const VERIFY = randomToken(24);
let accountId = "";
let telegram: ChannelRow;
let whatsapp: ChannelRow;
let phoneNumberId = "";
const number = () => ({ phoneNumberId, displayPhoneNumber: "+1 555 0100", wabaId: "1020" });

let messageId = 1;
function update(text = "Hello", from = { id: 555_001, first_name: "Ada" }) {
  const updates = newTelegramUpdates();
  const made = makeMessageUpdate(updates, messageId++, { text, from });
  if (typeof made === "string") throw new Error(made);
  return updates.made.get(made.updateId);
}
const telegramUrl = (id = telegram.id) => `${ORIGIN}${channelWebhookPath("telegram", id)}`;
const whatsappUrl = (id = whatsapp.id) => `${ORIGIN}${channelWebhookPath("whatsapp", id)}`;

function whatsAppMessage(text = "Hallo") {
  const sent = messageWebhook(number(), { from: "4915112345678", name: "Ada", text });
  if (typeof sent === "string") throw new Error(sent);
  return sent;
}

beforeAll(async () => {
  accountId = (await person("ch-hooks")).ownAccountId;
  const anna = await bareEmployee(accountId, "Anna");
  phoneNumberId = String(10_000_000 + Math.floor(Math.random() * 1e7));
  telegram = await channelOf({
    accountId,
    employeeId: anna,
    kind: "telegram",
    externalId: `bot-${crypto.randomUUID()}`,
    secret: SECRET,
  });
  whatsapp = await channelOf({
    accountId,
    employeeId: anna,
    kind: "whatsapp",
    externalId: phoneNumberId,
    secret: { appSecret: WHATSAPP_APP_SECRET, verifyToken: VERIFY },
  });
});

describe("Telegram webhook", () => {
  it("stores a person's update once: the redelivery is a duplicate (200)", async () => {
    const inbox = new RecordingInbox();
    const u = update("Hello Anna");
    const first = await receiveTelegram(
      deps(),
      telegram.id,
      telegramWebhookRequest(telegramUrl(), u, SECRET),
      inbox,
    );
    const again = await receiveTelegram(
      deps(),
      telegram.id,
      telegramWebhookRequest(telegramUrl(), u, SECRET),
      inbox,
    );
    expect(first).toEqual({ type: "json", body: { ok: true, stored: 1, duplicates: 0 } });
    expect(again).toEqual({ type: "json", body: { ok: true, stored: 0, duplicates: 1 } });
    expect(inbox.calls[0]).toMatchObject({
      employeeId: telegram.employeeId,
      input: { channelId: telegram.id, kind: "telegram", messages: [{ text: "Hello Anna" }] },
    });
  });

  it("refuses a forged or missing secret with 401 before anything reaches the inbox", async () => {
    const inbox = new RecordingInbox();
    const forged = receiveTelegram(
      deps(),
      telegram.id,
      telegramWebhookRequest(telegramUrl(), update(), "forged"),
      inbox,
    );
    await expect(forged).rejects.toMatchObject({ status: 401, code: "invalid_signature" });
    const missing = receiveTelegram(
      deps(),
      telegram.id,
      telegramWebhookRequest(telegramUrl(), update()),
      inbox,
    );
    await expect(missing).rejects.toMatchObject({ status: 401, code: "missing_signature" });
    expect(inbox.calls).toEqual([]);
    // Through the Worker: the same refusal as JSON, outside /api with no session or CSRF.
    const res = await worker(telegramWebhookRequest(telegramUrl(), update(), "forged"));
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ code: "invalid_signature" });
  });

  it("answers 404 for an unknown channel, another kind's channel or a malformed id", async () => {
    for (const id of [crypto.randomUUID(), whatsapp.id, "..%2F..%2Fapi", "x".repeat(200)]) {
      const res = await worker(telegramWebhookRequest(telegramUrl(id), update(), SECRET));
      expect(res.status, id).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
  });

  it("refuses bad JSON (400) and a huge body (413), never a 500; a huge forged body is 401 unread", async () => {
    const bad = new Request(telegramUrl(), {
      method: "POST",
      headers: { "x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json" },
      body: "{not json",
    });
    const badRes = await worker(bad);
    expect([badRes.status, (await errorOf(badRes)).code]).toEqual([400, "invalid_json"]);
    const huge = "x".repeat(300 * 1024);
    const big = await worker(telegramWebhookRequest(telegramUrl(), { update_id: 1, huge }, SECRET));
    expect([big.status, (await errorOf(big)).code]).toEqual([413, "body_too_large"]);
    const forgedBig = await worker(telegramWebhookRequest(telegramUrl(), { huge }, "forged"));
    expect(forgedBig.status).toBe(401);
    // An update that is no message from a person (an edit) is acknowledged, not stored.
    const edit = await worker(
      telegramWebhookRequest(telegramUrl(), { update_id: 2, edited_message: {} }, SECRET),
    );
    expect(edit.status).toBe(200);
    expect(await edit.json()).toMatchObject({ stored: 0, ignored: expect.any(String) });
  });

  it("takes nothing while paused (200, so Telegram holds no backlog), still after verifying", async () => {
    const inbox = new RecordingInbox();
    const d = deps();
    const same = {
      accountId,
      employeeId: telegram.employeeId,
      kind: "telegram" as const,
      externalId: telegram.externalId ?? "",
      secret: SECRET,
    };
    const row = await channelOf({ ...same, status: "paused" });
    const answer = await receiveTelegram(
      d,
      row.id,
      telegramWebhookRequest(telegramUrl(), update(), SECRET),
      inbox,
    );
    expect(answer).toMatchObject({ body: { stored: 0, ignored: "channel paused" } });
    await expect(
      receiveTelegram(d, row.id, telegramWebhookRequest(telegramUrl(), update(), "forged"), inbox),
    ).rejects.toMatchObject({ status: 401 });
    expect(inbox.calls).toEqual([]);
    telegram = await channelOf({ ...same, status: "connected" });
  });

  it("answers 503 when the inbox fails or is too slow, so the provider sends it again", async () => {
    const failing: ChannelInbox = {
      receive: async () => Promise.reject(new Error("storage down")),
    };
    await expect(
      receiveTelegram(
        deps(),
        telegram.id,
        telegramWebhookRequest(telegramUrl(), update(), SECRET),
        failing,
      ),
    ).rejects.toMatchObject({
      status: 503,
      code: "channel_unavailable",
      headers: { "retry-after": "5" },
    });
    const hanging: ChannelInbox = { receive: () => new Promise(() => {}) };
    const slow = await timed(() =>
      receiveTelegram(
        deps(),
        telegram.id,
        telegramWebhookRequest(telegramUrl(), update(), SECRET),
        hanging,
      ).catch((e: unknown) => e),
    );
    expect(slow.value).toMatchObject({ status: 503 });
    expect(slow.ms).toBeLessThan(RECEIVE_DEADLINE_MS + 400);
    console.log(`inbox hung: answered 503 after ${Math.round(slow.ms)} ms (Slack waits 3000 ms)`);
  });

  it("getWebhookInfo says where Telegram calls and why its last delivery failed", async () => {
    const token = `${Math.floor(Math.random() * 1e9)}:${randomToken(35)}`;
    await standIn("/telegram/_test/bots", { token, username: `bot_${randomToken(6)}` });
    const bot = { apiUrl: config().TELEGRAM_API_URL, token };
    // Port 9 on loopback: nothing listens, so the delivery is refused.
    await connectTelegram(bot, "http://127.0.0.1:9/channels/telegram/x", SECRET);
    expect(await getWebhookInfo(bot)).toMatchObject({ pendingUpdates: 0, lastError: null });
    await standIn("/telegram/_test/deliver", { token, text: "hi" });
    expect(await getWebhookInfo(bot)).toMatchObject({
      url: "http://127.0.0.1:9/channels/telegram/x",
      pendingUpdates: 1,
      lastError: { message: "Connection refused" },
      allowedUpdates: ["message"],
    });
  });
});

describe("hostile bodies, correctly signed", () => {
  it("are acknowledged or refused with a 4xx, never a 500, and a huge one is 413", async () => {
    const garbage = ["null", "[]", "{}", '"text"', "5", '{"message":{"from":1}}', '{"entry":"x"}'];
    for (const body of garbage) {
      const t = await worker(
        new Request(telegramUrl(), {
          method: "POST",
          headers: { "x-telegram-bot-api-secret-token": SECRET },
          body,
        }),
      );
      const w = await worker(await signedWhatsAppRequest(whatsappUrl(), body));
      expect([t.status, w.status], body).toEqual([200, 200]);
    }
    const huge = await signedWhatsAppRequest(whatsappUrl(), `{"x":"${"y".repeat(1100 * 1024)}"}`);
    const res = await worker(huge);
    expect([res.status, (await errorOf(res)).code]).toEqual([413, "body_too_large"]);
  });
});

describe("WhatsApp webhook", () => {
  it("answers Meta's handshake with the channel's verify token, and 403 with another", async () => {
    const url = (token: string) =>
      `${whatsappUrl()}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
    const ok = await worker(new Request(url(VERIFY)));
    expect([ok.status, await ok.text()]).toEqual([200, "1158201444"]);
    const wrong = await worker(new Request(url("guess")));
    expect(wrong.status).toBe(403);
    const unknown = await worker(
      new Request(url(VERIFY).replace(whatsapp.id, crypto.randomUUID())),
    );
    expect(unknown.status).toBe(404);
  });

  it("stores a signed message once; forged or missing signatures are 401 and reach nothing", async () => {
    const inbox = new RecordingInbox();
    const sent = whatsAppMessage();
    const signed = () => signedWhatsAppRequest(whatsappUrl(), sent.body);
    expect(await receiveWhatsApp(deps(), whatsapp.id, await signed(), inbox)).toMatchObject({
      body: { stored: 1, duplicates: 0 },
    });
    expect(await receiveWhatsApp(deps(), whatsapp.id, await signed(), inbox)).toMatchObject({
      body: { stored: 0, duplicates: 1 },
    });
    expect(inbox.calls[0]?.input.messages[0]).toMatchObject({ providerMessageId: sent.messageId });
    const forged = await signedWhatsAppRequest(whatsappUrl(), whatsAppMessage().body, "forged");
    await expect(receiveWhatsApp(deps(), whatsapp.id, forged, inbox)).rejects.toMatchObject({
      status: 401,
      code: "invalid_signature",
    });
    const unsigned = new Request(whatsappUrl(), { method: "POST", body: whatsAppMessage().body });
    await expect(receiveWhatsApp(deps(), whatsapp.id, unsigned, inbox)).rejects.toMatchObject({
      status: 401,
      code: "missing_signature",
    });
    expect(inbox.calls).toHaveLength(2);
    const res = await worker(
      await signedWhatsAppRequest(whatsappUrl(), whatsAppMessage().body, "x"),
    );
    expect(res.status).toBe(401);
  });

  it("acknowledges statuses alone (200) and stores nothing; another number's message is not taken", async () => {
    const inbox = new RecordingInbox();
    const receipt = statusWebhook(number(), { messageId: "wamid.x", recipientId: "4915112345678" });
    if (typeof receipt === "string") throw new Error(receipt);
    const answer = await receiveWhatsApp(
      deps(),
      whatsapp.id,
      await signedWhatsAppRequest(whatsappUrl(), receipt.body),
      inbox,
    );
    expect(answer).toMatchObject({ body: { stored: 0, ignored: expect.any(String) } });
    const other = messageWebhook(
      { ...number(), phoneNumberId: "999" },
      { from: "4915100000000", text: "x" },
    );
    if (typeof other === "string") throw new Error(other);
    const elsewhere = await receiveWhatsApp(
      deps(),
      whatsapp.id,
      await signedWhatsAppRequest(whatsappUrl(), other.body),
      inbox,
    );
    expect(elsewhere).toMatchObject({ body: { stored: 0 } });
    expect(inbox.calls).toEqual([]);
    const viaWorker = await worker(await signedWhatsAppRequest(whatsappUrl(), receipt.body));
    expect(viaWorker.status).toBe(200);
    const notJson = await worker(await signedWhatsAppRequest(whatsappUrl(), "{"));
    expect([notJson.status, (await errorOf(notJson)).code]).toEqual([400, "invalid_json"]);
  });
});

describe("Slack avatar", () => {
  /** The PNG's chunks by type (after the 8-byte signature). */
  function chunks(png: Uint8Array): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    for (let at = 8; at < png.byteLength; ) {
      const length = view.getUint32(at);
      const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
      out.set(type, png.subarray(at + 8, at + 8 + length));
      at += 12 + length;
    }
    return out;
  }
  const get = async (path: string) => worker(new Request(`${ORIGIN}/channels/avatar/${path}`));

  it("draws the same PNG for an id every time, another for another id; 404 for what is no id", async () => {
    const id = crypto.randomUUID();
    const res = await get(`${id}.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toContain("immutable");
    const png = new Uint8Array(await res.arrayBuffer());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const parts = chunks(png);
    const header = new DataView((parts.get("IHDR") ?? new Uint8Array(13)).slice().buffer);
    expect([header.getUint32(0), header.getUint32(4)]).toEqual([240, 240]);
    expect(parts.get("PLTE")?.byteLength).toBe(6);
    // The pixels inflate to one filter byte and 240 palette indexes per row.
    const idat = parts.get("IDAT") ?? new Uint8Array(0);
    const raw = new Uint8Array(
      await new Response(
        new Blob([idat.slice()]).stream().pipeThrough(new DecompressionStream("deflate")),
      ).arrayBuffer(),
    );
    expect(raw.byteLength).toBe(241 * 240);
    expect(new Set(raw)).toEqual(new Set([0, 1]));
    const again = new Uint8Array(await (await get(`${id}.png`)).arrayBuffer());
    expect(again).toEqual(png);
    const other = new Uint8Array(await (await get(`${crypto.randomUUID()}.png`)).arrayBuffer());
    expect(other).not.toEqual(png);
    for (const bad of [id, `${id}.jpg`, "..%2Fsecret.png", `${"a".repeat(65)}.png`])
      expect((await get(bad)).status, bad).toBe(404);
  });
});
