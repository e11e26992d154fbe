import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStandIns } from "../stand-ins/stand-in-server.ts";
import { call, startReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

// The Telegram stand-in as the Bot API calling a webhook: setWebhook's URL rules, the update in
// Telegram's format with the secret token header, a failed delivery reported by getWebhookInfo
// in Telegram's words, the same update sent again, getUpdates while no webhook is set.

let standIns: { url: string; server: Server };
let hook: WebhookReceiver;
let token: string;
let n = 0;
const SECRET = "s3cret_Token-1";

beforeAll(async () => {
  standIns = await startStandIns();
  hook = await startReceiver();
});
afterAll(async () => {
  await hook.close();
  await new Promise((r) => standIns.server.close(r));
});
beforeEach(async () => {
  token = `${++n}:tg-delivery-token`;
  hook.received.length = 0;
  hook.answer.status = 200;
  await call(`${standIns.url}/telegram/_test/bots`, { token, username: `bot${n}_bot` });
});

const api = (method: string, params: Record<string, unknown> = {}) =>
  call<{ ok: boolean; result?: unknown; description?: string; error_code?: number }>(
    `${standIns.url}/telegram/bot${token}/${method}`,
    params,
  );
const control = (route: string, body: Record<string, unknown> = {}) =>
  call<Record<string, unknown>>(`${standIns.url}/telegram/_test/${route}`, { token, ...body });
const setHook = (url = `${hook.url}/channels/telegram/ch1`) =>
  api("setWebhook", { url, secret_token: SECRET, allowed_updates: ["message"] });
const info = async () => (await api("getWebhookInfo")).json.result as Record<string, unknown>;

describe("setWebhook", () => {
  it("takes http on loopback only, and https on Telegram's ports", async () => {
    for (const url of ["http://127.0.0.1:8787/x", "http://localhost:1/x", "http://[::1]:9/x"])
      expect((await api("setWebhook", { url })).json).toMatchObject({ ok: true });
    const refused = [
      ["http://edge.example.com/x", "An HTTPS URL must be provided for webhook"],
      ["http://10.0.0.2:8787/x", "An HTTPS URL must be provided for webhook"],
      ["https://edge.example.com:8787/x", "only on ports 80, 88, 443 or 8443"],
      ["not a url", "invalid webhook URL"],
    ];
    for (const [url, says] of refused) {
      const { status, json } = await api("setWebhook", { url });
      expect(status).toBe(400);
      expect(json).toMatchObject({ ok: false, error_code: 400 });
      expect(json.description).toContain(says);
    }
  });

  it("keeps the secret and allowed_updates, refuses bad ones, and is removed", async () => {
    expect((await setHook()).json.description).toBe("Webhook was set");
    expect((await setHook()).json.description).toBe("Webhook is already set");
    expect(await info()).toMatchObject({
      url: `${hook.url}/channels/telegram/ch1`,
      pending_update_count: 0,
      allowed_updates: ["message"],
    });
    const bad = await api("setWebhook", { url: hook.url, secret_token: "no spaces" });
    expect(bad.status).toBe(400);
    expect(bad.json.description).toContain("secret token contains unallowed characters");
    const form = await fetch(`${standIns.url}/telegram/bot${token}/setWebhook`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ url: hook.url, allowed_updates: "[message" }),
    });
    expect(form.status).toBe(400);
    expect((await api("deleteWebhook")).json.description).toBe("Webhook was deleted");
    expect((await api("deleteWebhook")).json.description).toBe("Webhook is already deleted");
    expect(await info()).toEqual({
      url: "",
      has_custom_certificate: false,
      pending_update_count: 0,
    });
  });
});

it("answers a body that is not JSON with Telegram's 400", async () => {
  const res = await fetch(`${standIns.url}/telegram/bot${token}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{url",
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ ok: false, error_code: 400 });
});

describe("delivering a message", () => {
  it("POSTs a Telegram Update with the secret token header", async () => {
    await setHook();
    const sent = await control("deliver", {
      text: "Hello there",
      from: { id: 555, first_name: "Ada", last_name: "L", username: "ada" },
    });
    expect(sent.json).toMatchObject({ delivered: true, status: 200 });
    expect(hook.received).toHaveLength(1);
    const [got] = hook.received;
    expect(got?.method).toBe("POST");
    expect(got?.path).toBe("/channels/telegram/ch1");
    expect(got?.headers["x-telegram-bot-api-secret-token"]).toBe(SECRET);
    expect(got?.headers["content-type"]).toBe("application/json");
    const update = JSON.parse(`${got?.raw}`);
    expect(update).toEqual({
      update_id: sent.json.updateId,
      message: {
        message_id: sent.json.messageId,
        from: { id: 555, is_bot: false, first_name: "Ada", last_name: "L", username: "ada" },
        chat: { id: 555, type: "private", first_name: "Ada", last_name: "L", username: "ada" },
        date: expect.any(Number),
        text: "Hello there",
      },
    });
    expect(Math.abs(update.message.date - Date.now() / 1000)).toBeLessThan(5);
    const next = await control("deliver", { text: "again" });
    expect(next.json.updateId).toBe(Number(sent.json.updateId) + 1);
    expect(next.json.messageId).not.toBe(sent.json.messageId);
  });

  it("reports a refused delivery in getWebhookInfo and sends the same update again", async () => {
    await setHook();
    hook.answer.status = 401;
    const first = await control("deliver", { text: "are you there?" });
    expect(first.json).toMatchObject({ delivered: false, status: 401 });
    const failed = await info();
    expect(failed).toMatchObject({
      pending_update_count: 1,
      last_error_message: "Wrong response from the webhook: 401 Unauthorized",
    });
    expect(Math.abs(Number(failed.last_error_date) - Date.now() / 1000)).toBeLessThan(5);

    hook.answer.status = 200;
    const again = await control("redeliver", { updateId: first.json.updateId });
    expect(again.json).toMatchObject({
      delivered: true,
      updateId: first.json.updateId,
      messageId: first.json.messageId,
    });
    expect(hook.received).toHaveLength(2);
    expect(`${hook.received[1]?.raw}`).toBe(`${hook.received[0]?.raw}`);
    expect(await info()).toMatchObject({ pending_update_count: 0 });
  });

  it("says so when the webhook cannot be reached", async () => {
    const closed = await startReceiver();
    await closed.close();
    await setHook(`${closed.url}/gone`);
    const sent = await control("deliver", { text: "hi" });
    expect(sent.json).toMatchObject({ delivered: false, status: null, error: "connection_failed" });
    expect(await info()).toMatchObject({
      pending_update_count: 1,
      last_error_message: "Connection refused",
    });
  });

  it("never calls a webhook beyond this machine", async () => {
    await setHook("https://edge.example.com/channels/telegram/ch1");
    const sent = await control("deliver", { text: "hi" });
    expect(sent.json).toMatchObject({ delivered: false, error: "connection_failed", ms: 0 });
    expect(await info()).toMatchObject({ last_error_message: "Connection refused" });
  });

  it("forges or leaves out the secret when asked", async () => {
    await setHook();
    await control("deliver", { text: "forged", secretToken: "wrong" });
    await control("deliver", { text: "none", secretToken: null });
    expect(hook.received[0]?.headers["x-telegram-bot-api-secret-token"]).toBe("wrong");
    expect(hook.received[1]?.headers).not.toHaveProperty("x-telegram-bot-api-secret-token");
  });

  it("keeps updates for getUpdates while no webhook is set", async () => {
    const sent = await control("deliver", { text: "polled" });
    expect(sent.json).toMatchObject({ delivered: false, pending: true });
    const polled = await api("getUpdates");
    expect(polled.json.result).toMatchObject([
      { update_id: sent.json.updateId, message: { text: "polled" } },
    ]);
    await api("getUpdates", { offset: Number(sent.json.updateId) + 1 });
    expect(await info()).toMatchObject({ pending_update_count: 0 });
    await setHook();
    const conflict = await api("getUpdates");
    expect(conflict.status).toBe(409);
    expect(conflict.json.description).toContain("webhook is active");
  });

  it("refuses a message that is not one", async () => {
    for (const body of [
      {},
      { text: 7 },
      { text: "x".repeat(4097) },
      { text: "hi", from: { id: -1 } },
      { text: "hi", chat: { id: "abc" } },
    ]) {
      const { status, json } = await control("deliver", body);
      expect(status).toBe(400);
      expect(json.error).toEqual(expect.any(String));
    }
    const notJson = await fetch(`${standIns.url}/telegram/_test/deliver`, {
      method: "POST",
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect(hook.received).toHaveLength(0);
  });
});

it("records the bot's replies for the test to read", async () => {
  await api("sendMessage", {
    chat_id: 555,
    text: "An answer",
    reply_parameters: { message_id: 9 },
  });
  await api("getMe");
  const { json } = await call<{ requests: { method: string; params: unknown }[] }>(
    `${standIns.url}/telegram/_test/requests?token=${encodeURIComponent(token)}&method=sendMessage`,
  );
  expect(json.requests).toEqual([
    {
      method: "sendMessage",
      params: { chat_id: 555, text: "An answer", reply_parameters: { message_id: 9 } },
    },
  ]);
});
