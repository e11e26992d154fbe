// Connecting the channels that need more than a token (issue 17), against the real Worker and
// D1 with Slack and WhatsApp as loopback stand-ins: Slack's consent through the OAuth callback
// (the bot token sealed for the account, one account per workspace, the state and the person
// checked, one default employee per workspace), WhatsApp's number with its webhook and verify
// token, and the email address every employee has.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { openCredential, sealCredential } from "../channels/channel-secrets.ts";
import { SLACK_STATE_OWNER } from "../services/channel-connect.ts";
import { getSlackInstallation } from "../store/slack-installations.ts";
import { keyring, listOf, OneChannel, put, row, url } from "./channels-api-helpers.ts";
import { randomToken, standIn } from "./channels-test-helpers.ts";
import { api, auditOf, errorOf, hire, ORIGIN, removeAllEmployees } from "./helpers.ts";
import { buildTeam, type Person, setPlan, type Team } from "./team-fixture.ts";

let team: Team;
let employeeId: string;
// A second team for WhatsApp and email: a plan holds 10 employees.
let team2: Team;

beforeAll(async () => {
  team = await buildTeam("connect");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: `Conn ${randomToken(6)}` })).id;
  team2 = await buildTeam("connect2");
  await setPlan(team2.accountId, "business");
});
afterAll(removeAllEmployees);

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

  it("makes the account's first employee in a workspace its default; one default at a time", async () => {
    const ws = await workspace();
    const a = (await hire(team.owner.cookie, { name: `Da ${randomToken(5)}` })).id;
    const b = (await hire(team.owner.cookie, { name: `Db ${randomToken(5)}` })).id;
    for (const id of [a, b]) {
      const { callback } = await consent(team.admin, id, ws.token);
      expect((await api(callback, { cookie: team.admin.cookie })).status).toBe(302);
    }
    expect((await row(a, "slack"))?.settings.isDefault).toBe(true);
    expect((await row(b, "slack"))?.settings.isDefault).toBeUndefined();
    const res = await put(team.admin, b, "slack", { settings: { isDefault: true } });
    expect(res.status).toBe(200);
    expect(z.parse(OneChannel, await res.json())).toMatchObject({
      channel: { status: "connected", settings: { isDefault: true } },
    });
    expect((await row(a, "slack"))?.settings.isDefault).toBe(false);
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
