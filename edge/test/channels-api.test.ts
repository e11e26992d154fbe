// The channels API (issue 17) against the real Worker, D1 and objects, with Telegram, Slack and
// WhatsApp as loopback stand-ins: connecting (the webhook set with its secret, the credential
// sealed, shown only masked and never logged), the providers' refusals, a bot or workspace
// another employee or account has, Slack's consent through its OAuth callback, the email
// address every employee has, pausing, testing, removing, firing, and hostile input.
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import type { ChannelRow } from "../../db/schema.ts";
import { openTelegramSecret } from "../channels/channel-credentials.ts";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import { openCredential, sealCredential } from "../channels/channel-secrets.ts";
import { ChannelView } from "../contract/channels.ts";
import { SLACK_STATE_OWNER } from "../services/channel-connect.ts";
import { getChannel, getEmployeeChannel } from "../store/channels.ts";
import { getSlackInstallation } from "../store/slack-installations.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";
import { api, auditOf, errorOf, hire, ORIGIN, removeAllEmployees } from "./helpers.ts";
import { buildTeam, type Person, setPlan, type Team } from "./team-fixture.ts";

let team: Team;
let employeeId: string;
// A second team for the later tests: a plan holds 10 employees.
let team2: Team;

const OneChannel = z.object({ channel: ChannelView, authorizeUrl: z.optional(z.string()) });
const Channels = z.object({ channels: z.array(ChannelView) });
const url = (id: string, kind = "", rest = "") =>
  `/api/employees/${id}/channels${kind ? `/${kind}` : ""}${rest}`;

const put = (who: Person, id: string, kind: string, json: unknown) =>
  api(url(id, kind), { method: "PUT", cookie: who.cookie, json });

async function listOf(who: Person, id: string) {
  const res = await api(url(id), { cookie: who.cookie });
  expect(res.status).toBe(200);
  return z.parse(Channels, await res.json()).channels;
}

async function newBot(username = `bot_${randomToken(6)}`) {
  const token = `${Math.floor(1e8 + Math.random() * 9e8)}:${randomToken(35)}`;
  await standIn("/telegram/_test/bots", { token, username });
  return { token, username };
}
interface Recorded {
  method: string;
  params: Record<string, unknown>;
}
const telegramCalls = async (token: string) =>
  (await standIn<{ requests: Recorded[] }>(`/telegram/_test/requests?token=${token}`)).requests;

async function row(id: string, kind: ChannelRow["kind"]) {
  return getEmployeeChannel(env.DB, id, kind);
}

const keyring = async () => {
  const k = await keyringFromConfig(config());
  if (!k) throw new Error("the tests configure CHANNEL_SECRETS_KEY");
  return k;
};

beforeAll(async () => {
  team = await buildTeam("channels");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: `Chan ${randomToken(6)}` })).id;
  team2 = await buildTeam("channels2");
  await setPlan(team2.accountId, "business");
});
afterEach(() => vi.restoreAllMocks());
afterAll(removeAllEmployees);

describe("Telegram", () => {
  it("sets the webhook with a fresh secret and messages only; the token is sealed, shown masked and never logged", async () => {
    const logged: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(" "));
      });
    const bot = await newBot("acme_desk_bot");
    const res = await put(team.admin, employeeId, "telegram", { botToken: bot.token });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain(bot.token.split(":")[1]);
    const { channel } = z.parse(OneChannel, JSON.parse(text));
    expect(channel).toMatchObject({
      kind: "telegram",
      status: "connected",
      display: "@acme_desk_bot",
    });
    expect(channel.credential).toMatch(/^\d+:•+/);

    const stored = await row(employeeId, "telegram");
    if (!stored) throw new Error("no telegram row");
    const calls = await telegramCalls(bot.token);
    expect(calls.map((c) => c.method)).toEqual(["getMe", "getMe", "setWebhook"]);
    const secret = await openTelegramSecret(await keyring(), stored);
    expect(calls[2]?.params).toEqual({
      url: `${ORIGIN}/channels/telegram/${stored.id}`,
      secret_token: secret,
      allowed_updates: ["message"],
    });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    for (const sealed of [stored.credentialSealed, stored.secretSealed, stored.credentialMasked])
      expect(sealed ?? "").not.toContain(bot.token.split(":")[1]);
    expect(await openCredential(await keyring(), employeeId, stored.credentialSealed ?? "")).toBe(
      bot.token,
    );
    const secretPart = bot.token.split(":")[1] ?? "";
    expect(logged.filter((l) => l.includes(secretPart))).toEqual([]);
    const [audit] = await auditOf(team.accountId, "channel.connect");
    expect(audit).toMatchObject({ targetId: employeeId, detail: { kind: "telegram" } });
    expect(JSON.stringify(audit)).not.toContain(secretPart);

    // A member sees it, masked as well.
    const listed = (await listOf(team.member, employeeId)).find((c) => c.kind === "telegram");
    expect(listed?.credential).toBe(channel.credential);
  });

  it("answers a revoked token with channel_rejected and the provider's reason, and keeps nothing", async () => {
    const other = (await hire(team.owner.cookie, { name: `Rev ${randomToken(5)}` })).id;
    const bot = await newBot();
    await standIn("/telegram/_test/revoke", { token: bot.token });
    const res = await put(team.admin, other, "telegram", { botToken: bot.token });
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.code).toBe("channel_rejected");
    expect(err.fields?.reason).toContain("Unauthorized");
    expect(await row(other, "telegram")).toBeNull();
    expect((await listOf(team.admin, other)).find((c) => c.kind === "telegram")?.status).toBe(
      "not_connected",
    );
  });

  it("refuses a bot another employee has (409) without touching its webhook", async () => {
    const first = (await hire(team.owner.cookie, { name: `One ${randomToken(5)}` })).id;
    const second = (await hire(team.owner.cookie, { name: `Two ${randomToken(5)}` })).id;
    const bot = await newBot();
    expect((await put(team.admin, first, "telegram", { botToken: bot.token })).status).toBe(200);
    const res = await put(team.admin, second, "telegram", { botToken: bot.token });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("channel_in_use");
    // Only asked who the bot is: its webhook still points at the first employee.
    expect((await telegramCalls(bot.token)).map((c) => c.method)).toEqual([
      "getMe",
      "getMe",
      "setWebhook",
      "getMe",
    ]);
    expect(await row(second, "telegram")).toBeNull();
  });

  it("pauses and resumes; a test reports a revoked token as failing; removing deletes the webhook", async () => {
    const id = (await hire(team.owner.cookie, { name: `Pause ${randomToken(5)}` })).id;
    const bot = await newBot();
    await put(team.admin, id, "telegram", { botToken: bot.token });
    const paused = await put(team.admin, id, "telegram", {
      paused: true,
      settings: { noticeAfterSeconds: null },
    });
    expect(z.parse(OneChannel, await paused.json()).channel).toMatchObject({
      status: "paused",
      paused: true,
      settings: { noticeAfterSeconds: null, policy: "members" },
    });
    const resumed = await put(team.admin, id, "telegram", { paused: false });
    expect(z.parse(OneChannel, await resumed.json()).channel.status).toBe("connected");

    await standIn("/telegram/_test/revoke", { token: bot.token });
    const tested = await api(url(id, "telegram", "/test"), {
      method: "POST",
      cookie: team.admin.cookie,
    });
    expect(tested.status).toBe(200);
    const { channel } = z.parse(OneChannel, await tested.json());
    expect(channel.status).toBe("failing");
    expect(channel.statusReason).toContain("Unauthorized");

    const gone = await api(url(id, "telegram"), { method: "DELETE", cookie: team.admin.cookie });
    expect(gone.status).toBe(204);
    expect(await row(id, "telegram")).toBeNull();
    expect(await auditOf(team.accountId, "channel.remove")).toContainEqual(
      expect.objectContaining({
        targetId: id,
        detail: expect.objectContaining({ kind: "telegram" }),
      }),
    );
    // Not connected any more: another DELETE or a test is 404.
    expect(
      (await api(url(id, "telegram"), { method: "DELETE", cookie: team.admin.cookie })).status,
    ).toBe(404);
  });

  it("asks the bot's webhook to be deleted when it is removed", async () => {
    const id = (await hire(team.owner.cookie, { name: `Del ${randomToken(5)}` })).id;
    const bot = await newBot();
    await put(team.admin, id, "telegram", { botToken: bot.token });
    expect(
      (await api(url(id, "telegram"), { method: "DELETE", cookie: team.owner.cookie })).status,
    ).toBe(204);
    expect((await telegramCalls(bot.token)).at(-1)?.method).toBe("deleteWebhook");
  });
});

describe("rights", () => {
  it("members read, admins change (403 forbidden_role), another account's employee is 404", async () => {
    const bot = await newBot();
    const byMember = await put(team.member, employeeId, "telegram", { botToken: bot.token });
    expect(byMember.status).toBe(403);
    expect((await errorOf(byMember)).code).toBe("forbidden_role");
    expect(
      (await api(url(employeeId, "email", "/test"), { method: "POST", cookie: team.member.cookie }))
        .status,
    ).toBe(403);
    expect(
      (await api(url(employeeId, "telegram"), { method: "DELETE", cookie: team.member.cookie }))
        .status,
    ).toBe(403);
    const foreign = await put(team.stranger, employeeId, "email", { paused: true });
    expect(foreign.status).toBe(404);
    expect((await api(url(employeeId), { cookie: team.stranger.cookie })).status).toBe(404);
    expect(await telegramCalls(bot.token)).toEqual([]);
  });
});

describe("Slack", () => {
  async function workspace() {
    const ws = {
      token: `xoxb-${randomToken(24)}`,
      teamId: `T${randomToken(8).toUpperCase().replace(/[-_]/g, "X")}`,
      teamName: `Acme ${randomToken(4)}`,
      botUserId: "U0BOT",
    };
    await standIn("/slack/_test/workspaces", ws);
    return ws;
  }

  // PUT answers the authorize URL; the stand-in's consent page sends the browser back to the
  // callback with a code, which the browser (this test) follows with the session's cookie.
  async function consent(who: Person, id: string, token: string) {
    const res = await put(who, id, "slack", {});
    expect(res.status).toBe(200);
    const { channel, authorizeUrl } = z.parse(OneChannel, await res.json());
    if (!authorizeUrl) throw new Error("no authorizeUrl");
    const state = new URL(authorizeUrl).searchParams.get("state") ?? "";
    await standIn("/slack/_test/consent", { token, state });
    const slack = await fetch(authorizeUrl, { redirect: "manual" });
    expect(slack.status).toBe(302);
    const back = new URL(slack.headers.get("location") ?? "");
    return { channel, authorizeUrl, state, callback: `${back.pathname}${back.search}` };
  }

  it("connects through the consent: the bot token is sealed for the account, the channel connected", async () => {
    const ws = await workspace();
    const { channel, authorizeUrl, callback } = await consent(team.admin, employeeId, ws.token);
    expect(channel.status).toBe("pending");
    const authorize = new URL(authorizeUrl);
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      `${ORIGIN}/channels/slack/oauth/callback`,
    );
    expect(authorize.searchParams.get("scope")).toContain("chat:write.customize");

    const done = await api(callback, { cookie: team.admin.cookie });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(
      `${ORIGIN}/employees/${employeeId}?tab=channels&slack=connected`,
    );
    const installation = await getSlackInstallation(env.DB, ws.teamId);
    expect(installation).toMatchObject({ accountId: team.accountId, teamName: ws.teamName });
    expect(installation?.botTokenSealed).not.toContain(ws.token.slice(5));
    expect(
      await openCredential(await keyring(), team.accountId, installation?.botTokenSealed ?? ""),
    ).toBe(ws.token);
    const listed = (await listOf(team.member, employeeId)).find((c) => c.kind === "slack");
    expect(listed).toMatchObject({
      status: "connected",
      display: ws.teamName,
      settings: { isDefault: true },
    });
    expect(listed?.credential).not.toContain(ws.token.slice(5));
    expect(await auditOf(team.accountId, "channel.connect")).toContainEqual(
      expect.objectContaining({
        detail: expect.objectContaining({ kind: "slack", teamId: ws.teamId }),
      }),
    );
  });

  it("refuses a workspace another account installed (409)", async () => {
    const ws = await workspace();
    const ours = (await hire(team.owner.cookie, { name: `Sl ${randomToken(5)}` })).id;
    const first = await consent(team.admin, ours, ws.token);
    expect((await api(first.callback, { cookie: team.admin.cookie })).status).toBe(302);

    const theirs = (await hire(team.stranger.cookie, { name: `Their ${randomToken(5)}` })).id;
    const second = await consent(team.stranger, theirs, ws.token);
    const res = await api(second.callback, { cookie: team.stranger.cookie });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("channel_in_use");
    expect((await getSlackInstallation(env.DB, ws.teamId))?.accountId).toBe(team.accountId);
  });

  it("refuses a state that is not ours or has expired (400), another person's session (403), none (401)", async () => {
    const ws = await workspace();
    const id = (await hire(team.owner.cookie, { name: `St ${randomToken(5)}` })).id;
    const { callback, state } = await consent(team.admin, id, ws.token);
    const code = new URL(callback, ORIGIN).searchParams.get("code") ?? "";
    const cb = (s: string) =>
      `/channels/slack/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(s)}`;

    const forged = await api(cb(`${state.slice(0, -4)}AAAA`), { cookie: team.admin.cookie });
    expect(forged.status).toBe(400);
    expect((await errorOf(forged)).code).toBe("invalid_input");
    expect((await api(cb("nonsense"), { cookie: team.admin.cookie })).status).toBe(400);
    const expired = await sealCredential(await keyring(), SLACK_STATE_OWNER, {
      accountId: team.accountId,
      employeeId: id,
      userId: team.admin.userId,
      exp: Date.now() - 1,
    });
    expect((await api(cb(expired), { cookie: team.admin.cookie })).status).toBe(400);

    const otherPerson = await api(callback, { cookie: team.owner.cookie });
    expect(otherPerson.status).toBe(403);
    expect((await api(callback)).status).toBe(401);
    expect(await getSlackInstallation(env.DB, ws.teamId)).toBeNull();
    expect((await row(id, "slack"))?.status).toBe("pending");
  });
});

describe("WhatsApp", () => {
  it("connects with the number, token and app secret; shows the webhook and a verify token", async () => {
    const id = (await hire(team2.owner.cookie, { name: `Wa ${randomToken(5)}` })).id;
    const phoneNumberId = String(Math.floor(1e14 + Math.random() * 9e14));
    const token = `EAAG${randomToken(40)}`;
    await standIn("/whatsapp/_test/numbers", {
      phoneNumberId,
      token,
      displayPhoneNumber: "+49 30 1234567",
      verifiedName: "Acme",
    });
    const lacking = await put(team2.admin, id, "whatsapp", { phoneNumberId, accessToken: token });
    expect(lacking.status).toBe(400);
    expect((await errorOf(lacking)).fields?.appSecret).toBeDefined();
    const wrong = await put(team2.admin, id, "whatsapp", {
      phoneNumberId,
      accessToken: `EAAG${randomToken(40)}`,
      appSecret: "app-secret",
    });
    expect(wrong.status).toBe(422);
    expect((await errorOf(wrong)).code).toBe("channel_rejected");

    const res = await put(team2.admin, id, "whatsapp", {
      phoneNumberId,
      accessToken: token,
      appSecret: "app-secret",
    });
    expect(res.status).toBe(200);
    const { channel } = z.parse(OneChannel, await res.json());
    const stored = await row(id, "whatsapp");
    expect(channel).toMatchObject({
      status: "connected",
      display: "+49 30 1234567",
      webhook: { url: `${ORIGIN}/channels/whatsapp/${stored?.id}` },
    });
    expect(channel.webhook?.verifyToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(channel.credential).not.toContain(token.slice(4));
    // A new token keeps the verify token Meta was given.
    const token2 = `EAAG${randomToken(40)}`;
    await standIn("/whatsapp/_test/numbers", {
      phoneNumberId,
      token: token2,
      displayPhoneNumber: "+49 30 1234567",
      verifiedName: "Acme",
    });
    const changed = await put(team2.admin, id, "whatsapp", { accessToken: token2 });
    expect(changed.status).toBe(200);
    expect(z.parse(OneChannel, await changed.json()).channel.webhook?.verifyToken).toBe(
      channel.webhook?.verifyToken,
    );
  });
});

describe("email", () => {
  it("is always listed with the address made at hire; one hired before channels gets it when read", async () => {
    const tag = randomToken(6).toLowerCase().replace(/[-_]/g, "x");
    const id = (await hire(team2.owner.cookie, { name: `Mia ${tag}` })).id;
    expect((await row(id, "email"))?.externalId).toBe(`mia-${tag}`);
    const channels = await listOf(team2.member, id);
    expect(channels.map((c) => c.kind)).toEqual(["telegram", "slack", "whatsapp", "email"]);
    expect(channels[3]).toMatchObject({
      status: "connected",
      address: `mia-${tag}@employees.localhost`,
    });

    await env.DB.prepare("DELETE FROM channels WHERE employee_id = ? AND kind = 'email'")
      .bind(id)
      .run();
    const again = (await listOf(team2.member, id)).find((c) => c.kind === "email");
    expect(again?.address).toBe(`mia-${tag}@employees.localhost`);
  });

  it("changes the address; another employee's is 409 address_taken; DELETE is 409 (pause instead)", async () => {
    const a = (await hire(team2.owner.cookie, { name: `Ann ${randomToken(5)}` })).id;
    const b = (await hire(team2.owner.cookie, { name: `Bob ${randomToken(5)}` })).id;
    const local = `desk-${randomToken(6).toLowerCase().replace(/[-_]/g, "x")}`;
    const changed = await put(team2.admin, a, "email", { address: local.toUpperCase() });
    expect(changed.status).toBe(200);
    expect(z.parse(OneChannel, await changed.json()).channel.address).toBe(
      `${local}@employees.localhost`,
    );
    expect(await auditOf(team2.accountId, "channel.update")).toContainEqual(
      expect.objectContaining({ targetId: a, detail: expect.objectContaining({ kind: "email" }) }),
    );

    const taken = await put(team2.admin, b, "email", { address: local });
    expect(taken.status).toBe(409);
    expect((await errorOf(taken)).code).toBe("address_taken");
    const reserved = await put(team2.admin, b, "email", { address: "postmaster" });
    expect(reserved.status).toBe(400);
    const withDomain = await put(team2.admin, b, "email", { address: "x@example.com" });
    expect(withDomain.status).toBe(400);

    const removed = await api(url(a, "email"), { method: "DELETE", cookie: team2.admin.cookie });
    expect(removed.status).toBe(409);
    expect((await errorOf(removed)).code).toBe("invalid_state");
    const paused = await put(team2.admin, a, "email", { paused: true });
    expect(z.parse(OneChannel, await paused.json()).channel).toMatchObject({
      status: "paused",
      address: `${local}@employees.localhost`,
    });
  });
});

describe("hostile input", () => {
  it("answers an unknown kind, a malformed id, odd and oversized bodies with a JSON 4xx", async () => {
    const bad = [
      await api(url(employeeId, "fax"), { cookie: team.admin.cookie }),
      await put(team.admin, employeeId, "fax", { paused: true }),
      await put(team.admin, employeeId, "..%2F..", { paused: true }),
      await put(team.admin, "not-an-id", "email", { paused: true }),
      await put(team.admin, employeeId, "telegram", { botToken: "a b" }),
      await put(team.admin, employeeId, "email", { unknown: 1 }),
      await put(team.admin, employeeId, "email", { settings: { noticeAfterSeconds: 1 } }),
      await put(team.admin, employeeId, "email", ["paused"]),
      await api(url(employeeId, "email"), {
        method: "PUT",
        cookie: team.admin.cookie,
        body: "{",
        headers: { "content-type": "application/json" },
      }),
      await api(url(employeeId, "email"), {
        method: "PUT",
        cookie: team.admin.cookie,
        body: "paused=1",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      await put(team.admin, employeeId, "telegram", { botToken: "x".repeat(70_000) }),
    ];
    const statuses = [];
    for (const res of bad) {
      statuses.push(res.status);
      expect((await errorOf(res)).code).toBeTruthy();
    }
    expect(statuses).toEqual([404, 404, 404, 404, 400, 400, 400, 400, 400, 415, 413]);
  });

  it("refuses a malformed bot token before calling Telegram (422 with the reason)", async () => {
    const res = await put(team.admin, employeeId, "telegram", { botToken: "123:abc/../../x" });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).fields?.reason).toContain("not a Telegram bot token");
  });
});

describe("firing", () => {
  it("deletes the bot's webhook and the channel rows", async () => {
    const id = (await hire(team2.owner.cookie, { name: `Gone ${randomToken(5)}` })).id;
    const bot = await newBot();
    expect((await put(team2.admin, id, "telegram", { botToken: bot.token })).status).toBe(200);
    const channelId = (await row(id, "telegram"))?.id ?? "";
    expect(
      (await api(`/api/employees/${id}`, { method: "DELETE", cookie: team2.admin.cookie })).status,
    ).toBe(202);
    const deadline = Date.now() + 10_000;
    while ((await getChannel(env.DB, channelId)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await getChannel(env.DB, channelId)).toBeNull();
    expect(await row(id, "email")).toBeNull();
    expect((await telegramCalls(bot.token)).map((c) => c.method)).toContain("deleteWebhook");
  });
});
