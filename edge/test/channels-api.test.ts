// The channels API (issue 17) against the real Worker, D1 and objects, with Telegram as a
// loopback stand-in: connecting (the webhook set with its secret, the token sealed, shown only
// masked and never logged), a revoked token's reason, a bot another employee has, pausing,
// testing, removing, rights, hostile input, and firing. Slack's consent, WhatsApp and the email
// address: channels-connect.test.ts.
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import { openTelegramSecret } from "../channels/channel-credentials.ts";
import { openCredential } from "../channels/channel-secrets.ts";
import { getChannel } from "../store/channels.ts";
import {
  keyring,
  listOf,
  newBot,
  OneChannel,
  put,
  row,
  telegramCalls,
  url,
} from "./channels-api-helpers.ts";
import { randomToken, standIn } from "./channels-test-helpers.ts";
import { api, auditOf, errorOf, hire, ORIGIN, removeAllEmployees } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";

let team: Team;
let employeeId: string;

beforeAll(async () => {
  team = await buildTeam("channels");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: `Chan ${randomToken(6)}` })).id;
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

describe("the provider or the server not ready", () => {
  it("answers 502 channel_unavailable when Telegram fails, 503 without the channel key", async () => {
    const bot = await newBot();
    await standIn("/telegram/_test/fail", {
      token: bot.token,
      method: "setWebhook",
      errorCode: 502,
      description: "Bad Gateway",
    });
    const before = await row(employeeId, "telegram");
    const down = await put(team.admin, employeeId, "telegram", { botToken: bot.token });
    expect(down.status).toBe(502);
    expect((await errorOf(down)).code).toBe("channel_unavailable");
    // The channel there was is kept as it was.
    expect(await row(employeeId, "telegram")).toEqual(before);

    const unset = await api(url(employeeId, "telegram"), {
      method: "PUT",
      cookie: team.admin.cookie,
      json: { botToken: bot.token },
      envOverride: { CHANNEL_SECRETS_KEY: "" },
    });
    expect(unset.status).toBe(503);
    expect((await errorOf(unset)).code).toBe("channels_not_configured");
    const noSlack = await api(url(employeeId, "slack"), {
      method: "PUT",
      cookie: team.admin.cookie,
      json: {},
      envOverride: { SLACK_CLIENT_ID: "", SLACK_CLIENT_SECRET: "", SLACK_SIGNING_SECRET: "" },
    });
    expect(noSlack.status).toBe(503);
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

describe("hostile input", () => {
  it("answers an unknown kind, a malformed id, odd and oversized bodies with a JSON 4xx", async () => {
    const bad = [
      await api(url(employeeId, "fax"), { cookie: team.admin.cookie }),
      await put(team.admin, employeeId, "fax", { paused: true }),
      await put(team.admin, employeeId, "..%2F..", { paused: true }),
      await put(team.admin, "not-an-id", "email", { paused: true }),
      await put(team.admin, employeeId, "telegram", { botToken: "a b" }),
      await put(team.admin, employeeId, "email", { unknown: 1 }),
      await put(team.admin, employeeId, "email", { botToken: "123:abc" }),
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
    expect(statuses).toEqual([404, 404, 404, 404, 400, 400, 400, 400, 400, 400, 415, 413]);
  });

  it("refuses a malformed bot token before calling Telegram (422 with the reason)", async () => {
    const res = await put(team.admin, employeeId, "telegram", { botToken: "123:abc/../../x" });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).fields?.reason).toContain("not a Telegram bot token");
  });
});

describe("firing", () => {
  it("deletes the bot's webhook and the channel rows", async () => {
    const id = (await hire(team.owner.cookie, { name: `Gone ${randomToken(5)}` })).id;
    const bot = await newBot();
    expect((await put(team.admin, id, "telegram", { botToken: bot.token })).status).toBe(200);
    const channelId = (await row(id, "telegram"))?.id ?? "";
    expect(
      (await api(`/api/employees/${id}`, { method: "DELETE", cookie: team.admin.cookie })).status,
    ).toBe(202);
    const deadline = Date.now() + 10_000;
    while ((await getChannel(env.DB, channelId)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await getChannel(env.DB, channelId)).toBeNull();
    expect(await row(id, "email")).toBeNull();
    expect((await telegramCalls(bot.token)).map((c) => c.method)).toContain("deleteWebhook");
  });
});
