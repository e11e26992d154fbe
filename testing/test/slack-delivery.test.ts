import { createHmac, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SLACK_CLIENT_ID,
  SLACK_CLIENT_SECRET,
  SLACK_SIGNING_SECRET,
} from "../stand-ins/slack-stand-in.ts";
import { startStandIns } from "../stand-ins/stand-in-server.ts";
import { call, type Received, startReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

// The Slack stand-in as Slack calling an app: Events API requests signed with the signing secret
// (checked here the way Slack documents it, with node:crypto), a direct message and a mention in
// Slack's envelope, retries of the same event, the url_verification challenge; and the Web API's
// record of the bot's replies and users.info with a confirmed email.

let standIns: { url: string; server: Server };
let hook: WebhookReceiver;
let token: string;
let n = 0;
const TEAM = "T0STANDIN";
const BOT = "U0BOTUSER";

beforeAll(async () => {
  standIns = await startStandIns();
  hook = await startReceiver();
});
afterAll(async () => {
  await hook.close();
  await new Promise((r) => standIns.server.close(r));
});
beforeEach(async () => {
  token = `xoxb-delivery-${++n}`;
  hook.received.length = 0;
  Object.assign(hook.answer, { status: 200, body: "", delayMs: 0, echo: undefined });
  await call(`${standIns.url}/slack/_test/workspaces`, {
    token,
    teamId: TEAM,
    teamName: "Acme",
    botUserId: BOT,
  });
});

const control = (route: string, body: Record<string, unknown> = {}) =>
  call<Record<string, unknown>>(`${standIns.url}/slack/_test/${route}`, { token, ...body });
const events = () => `${hook.url}/channels/slack/events`;
const web = (method: string, params: Record<string, unknown>) =>
  call<Record<string, unknown>>(`${standIns.url}/slack/api/${method}`, params, {
    authorization: `Bearer ${token}`,
  });

/** Slack's documented check: v0 HMAC-SHA256 of `v0:{timestamp}:{raw body}`, fresh timestamp. */
function signedBySlack(got: Received | undefined, secret = SLACK_SIGNING_SECRET): boolean {
  const timestamp = String(got?.headers["x-slack-request-timestamp"]);
  const sent = Buffer.from(String(got?.headers["x-slack-signature"]));
  const mac = createHmac("sha256", secret)
    .update(`v0:${timestamp}:`)
    .update(got?.raw ?? "");
  const expected = Buffer.from(`v0=${mac.digest("hex")}`);
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && sent.length === expected.length && timingSafeEqual(sent, expected);
}

describe("delivering events", () => {
  it("POSTs a direct message as a signed event_callback", async () => {
    const sent = await control("deliver", { url: events(), user: "U0PERSON1", text: "Hi there" });
    expect(sent.json).toMatchObject({ delivered: true, status: 200 });
    const [got] = hook.received;
    expect(got?.path).toBe("/channels/slack/events");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["user-agent"]).toContain("Slackbot");
    expect(got?.headers).not.toHaveProperty("x-slack-retry-num");
    expect(signedBySlack(got)).toBe(true);
    expect(signedBySlack(got, "another-secret")).toBe(false);
    const body = JSON.parse(`${got?.raw}`);
    expect(body).toMatchObject({
      type: "event_callback",
      team_id: TEAM,
      api_app_id: "A0STANDIN",
      event_id: sent.json.eventId,
      event_time: expect.any(Number),
      authorizations: [{ team_id: TEAM, user_id: BOT, is_bot: true }],
      event: {
        type: "message",
        channel_type: "im",
        channel: "D0PERSON1",
        user: "U0PERSON1",
        text: "Hi there",
        team: TEAM,
        ts: sent.json.ts,
        event_ts: sent.json.ts,
        client_msg_id: sent.json.clientMsgId,
      },
    });
    expect(body.event).not.toHaveProperty("thread_ts");
    expect(String(sent.json.eventId)).toMatch(/^Ev[A-Z0-9]{9}$/);
    expect(String(sent.json.ts)).toMatch(/^\d{10}\.\d{6}$/);
  });

  it("POSTs a mention in a thread, opening with the bot's mention", async () => {
    await control("deliver", {
      url: events(),
      user: "U0PERSON1",
      text: "Mia, the report please",
      channelType: "channel",
      channel: "C0GENERAL",
      threadTs: "1700000000.000100",
    });
    const event = JSON.parse(`${hook.received[0]?.raw}`).event;
    expect(event).toMatchObject({
      type: "app_mention",
      channel: "C0GENERAL",
      text: `<@${BOT}> Mia, the report please`,
      thread_ts: "1700000000.000100",
    });
    expect(event).not.toHaveProperty("channel_type");
  });

  it("retries the same event with a fresh signature, X-Slack-Retry-Num and the reason", async () => {
    hook.answer.status = 500;
    const first = await control("deliver", { url: events(), user: "U0PERSON1", text: "again?" });
    expect(first.json).toMatchObject({ delivered: false, status: 500 });
    hook.answer.status = 200;
    const retry = await control("redeliver", { eventId: first.json.eventId });
    expect(retry.json).toMatchObject({ retryNum: 1, retryReason: "http_error", delivered: true });
    const [original, again] = hook.received;
    expect(`${again?.raw}`).toBe(`${original?.raw}`);
    expect(again?.headers["x-slack-retry-num"]).toBe("1");
    expect(again?.headers["x-slack-retry-reason"]).toBe("http_error");
    expect(signedBySlack(again)).toBe(true);
    await control("redeliver", { reason: "http_timeout" });
    expect(hook.received[2]?.headers).toMatchObject({
      "x-slack-retry-num": "2",
      "x-slack-retry-reason": "http_timeout",
    });
    await control("redeliver");
    const fourth = await control("redeliver");
    expect(fourth.status).toBe(409);
    expect(hook.received).toHaveLength(4);
  });

  it("gives up after Slack's 3 seconds and retries with http_timeout", async () => {
    hook.answer.delayMs = 3300;
    const slow = await control("deliver", { url: events(), user: "U0PERSON1", text: "slow" });
    expect(slow.json).toMatchObject({ delivered: false, status: null, error: "timeout" });
    expect(Number(slow.json.ms)).toBeLessThan(3300);
    hook.answer.delayMs = 0;
    const retry = await control("redeliver");
    expect(retry.json).toMatchObject({ retryReason: "http_timeout", delivered: true });
  }, 10_000);

  it("signs with another secret or an old timestamp when asked (to forge)", async () => {
    const old = Math.floor(Date.now() / 1000) - 600;
    await control("deliver", { url: events(), user: "U0P1", text: "x", signingSecret: "nope" });
    await control("deliver", { url: events(), user: "U0P1", text: "x", timestamp: old });
    expect(signedBySlack(hook.received[0])).toBe(false);
    expect(signedBySlack(hook.received[0], "nope")).toBe(true);
    expect(hook.received[1]?.headers["x-slack-request-timestamp"]).toBe(String(old));
    expect(signedBySlack(hook.received[1])).toBe(false);
  });

  it("refuses an event that is not one", async () => {
    const ok = { url: events(), user: "U0PERSON1", text: "hi" };
    for (const bad of [
      { ...ok, url: "http://example.com/events" },
      { ...ok, user: "someone" },
      { ...ok, text: 5 },
      { ...ok, channel: "#general" },
      { ...ok, threadTs: "yesterday" },
      { ...ok, channelType: "space" },
      { ...ok, type: "reaction_added" },
    ]) {
      const { status, json } = await control("deliver", bad);
      expect(status).toBe(400);
      expect(json.error).toEqual(expect.any(String));
    }
    expect((await control("redeliver", { eventId: "EvNOPE" })).status).toBe(404);
    expect(hook.received).toHaveLength(0);
  });

  it("sends the url_verification challenge and says whether it was echoed", async () => {
    hook.answer.echo = (got) => JSON.parse(`${got.raw}`).challenge;
    const echoed = await control("verify-url", { url: events() });
    expect(echoed.json).toMatchObject({ verified: true, status: 200 });
    expect(JSON.parse(`${hook.received[0]?.raw}`)).toMatchObject({ type: "url_verification" });
    expect(signedBySlack(hook.received[0])).toBe(true);
    hook.answer.echo = () => "something else";
    expect((await control("verify-url", { url: events() })).json.verified).toBe(false);
  });
});

describe("the Web API", () => {
  it("records replies with the employee's name, icon and thread", async () => {
    const reply = {
      channel: "C0GENERAL",
      text: "Here it is",
      username: "Mia",
      icon_url: "https://edge.example.com/channels/avatar/e1.png",
      thread_ts: "1700000000.000100",
    };
    const posted = await web("chat.postMessage", reply);
    expect(posted.json).toMatchObject({
      ok: true,
      message: { username: "Mia", thread_ts: "1700000000.000100" },
    });
    const { json } = await call<{ requests: unknown[] }>(
      `${standIns.url}/slack/_test/requests?token=${token}&method=chat.postMessage`,
    );
    expect(json.requests).toEqual([{ method: "chat.postMessage", params: reply }]);
    expect((await web("chat.postMessage", { channel: "C0GENERAL", text: " " })).json).toEqual({
      ok: false,
      error: "no_text",
    });
  });

  it("answers a body that is not JSON with invalid_json", async () => {
    const res = await fetch(`${standIns.url}/slack/api/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{channel",
    });
    expect(await res.json()).toEqual({ ok: false, error: "invalid_json" });
  });

  it("answers users.info with the profile email and whether it is confirmed", async () => {
    await control("users", { id: "U0PERSON1", name: "Ada Lovelace", email: "ada@example.com" });
    await control("users", {
      id: "U0PERSON2",
      name: "Bob",
      email: "bob@x.io",
      emailConfirmed: true,
    });
    const ada = await web("users.info", { user: "U0PERSON1" });
    expect(ada.json).toMatchObject({
      ok: true,
      user: {
        id: "U0PERSON1",
        real_name: "Ada Lovelace",
        is_email_confirmed: false,
        profile: { email: "ada@example.com" },
      },
    });
    expect((await web("users.info", { user: "U0PERSON2" })).json).toMatchObject({
      user: { is_email_confirmed: true, profile: { email: "bob@x.io" } },
    });
    expect((await web("users.info", { user: "U0NOBODY" })).json).toEqual({
      ok: false,
      error: "user_not_found",
    });
  });

  it("installs through consent and oauth.v2.access", async () => {
    await control("consent", { state: `state-${n}` });
    const redirect = "http://127.0.0.1:8787/channels/slack/oauth/callback";
    const authorize = new URL(`${standIns.url}/slack/oauth/v2/authorize`);
    authorize.search = new URLSearchParams({
      client_id: SLACK_CLIENT_ID,
      state: `state-${n}`,
      redirect_uri: redirect,
      scope: "chat:write",
    }).toString();
    const back = await fetch(authorize, { redirect: "manual" });
    expect(back.status).toBe(302);
    const code = new URL(String(back.headers.get("location"))).searchParams.get("code");
    const form = new URLSearchParams({
      client_id: SLACK_CLIENT_ID,
      client_secret: SLACK_CLIENT_SECRET,
      code: String(code),
      redirect_uri: redirect,
    });
    const access = await fetch(`${standIns.url}/slack/api/oauth.v2.access`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    expect(await access.json()).toMatchObject({
      ok: true,
      access_token: token,
      bot_user_id: BOT,
      team: { id: TEAM, name: "Acme" },
    });
  });
});
