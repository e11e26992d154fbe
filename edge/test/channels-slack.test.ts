import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  SLACK_CLIENT_ID,
  SLACK_CLIENT_SECRET,
  SLACK_SIGNING_SECRET,
  signedSlackRequest,
} from "../../testing/stand-ins/slack-stand-in.ts";
import type { SlackWorkspace } from "../channels/slack/slack-api.ts";
import {
  MAX_SLACK_EVENT_BYTES,
  parseSlackEvent,
  receiveSlackEvent,
} from "../channels/slack/slack-events.ts";
import {
  exchangeSlackCode,
  SLACK_BOT_SCOPES,
  slackAuthorizeUrl,
} from "../channels/slack/slack-oauth.ts";
import { sendSlackReply } from "../channels/slack/slack-reply.ts";
import { lookupSlackUser } from "../channels/slack/slack-users.ts";
import { channelFailure, config, randomToken, standIn } from "./channels-test-helpers.ts";

const HOOK = "https://edge.example.com/api/channels/slack/events";
const REDIRECT = "https://app.example.com/api/channels/slack/callback";
const BOT = "U0BOT";

async function newWorkspace(): Promise<SlackWorkspace & { teamId: string }> {
  const token = `xoxb-${randomToken(24)}`;
  const teamId = `T${randomToken(8)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "Z")}`;
  await standIn("/slack/_test/workspaces", { token, teamId, teamName: "Acme", botUserId: BOT });
  return { apiUrl: config().SLACK_API_URL, token, teamId };
}

interface Recorded {
  method: string;
  params: Record<string, unknown>;
}
const requestsOf = async (ws: SlackWorkspace) =>
  (await standIn<{ requests: Recorded[] }>(`/slack/_test/requests?token=${ws.token}`)).requests;

function callback(event: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    token: "legacy-verification-token",
    team_id: "T0ACME",
    api_app_id: "A0STANDIN",
    type: "event_callback",
    event_id: "Ev0001",
    event_time: 1_767_225_600,
    authorizations: [{ team_id: "T0ACME", user_id: BOT, is_bot: true }],
    event,
    ...extra,
  };
}
const mention = {
  type: "app_mention",
  user: "U0ADA",
  text: `<@${BOT}> can you draft the Q3 summary &amp; send it?`,
  ts: "1767225600.000100",
  channel: "C0SALES",
  client_msg_id: "6f0c3c8e-aaaa-4bbb-8ccc-0123456789ab",
  event_ts: "1767225600.000100",
};
const dm = {
  type: "message",
  channel_type: "im",
  user: "U0ADA",
  text: "Hi, quick question",
  ts: "1767225601.000200",
  channel: "D0ADA",
  client_msg_id: "11111111-2222-4333-8444-555555555555",
};

describe("Add to Slack", () => {
  it("builds the authorize URL and exchanges the code for the workspace's bot token", async () => {
    const ws = await newWorkspace();
    const state = randomToken(32);
    const authorize = slackAuthorizeUrl({
      authorizeUrl: config().SLACK_AUTHORIZE_URL,
      clientId: SLACK_CLIENT_ID,
      redirectUri: REDIRECT,
      state,
    });
    const q = new URL(authorize).searchParams;
    expect(Object.fromEntries(q)).toEqual({
      client_id: SLACK_CLIENT_ID,
      scope: SLACK_BOT_SCOPES.join(","),
      redirect_uri: REDIRECT,
      state,
    });

    await standIn("/slack/_test/consent", { token: ws.token, state });
    const consent = await fetch(authorize, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location") ?? "");
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe(state);
    const code = back.searchParams.get("code") ?? "";

    const exchange = {
      apiUrl: config().SLACK_API_URL,
      clientId: SLACK_CLIENT_ID,
      clientSecret: SLACK_CLIENT_SECRET,
      code,
      redirectUri: REDIRECT,
    };
    expect(await exchangeSlackCode(exchange)).toEqual({
      botToken: ws.token,
      botUserId: BOT,
      appId: "A0STANDIN",
      teamId: ws.teamId,
      teamName: "Acme",
      enterpriseId: null,
      scopes: [...SLACK_BOT_SCOPES],
      installerUserId: "U0INSTALLER",
    });
    const reused = await channelFailure(exchangeSlackCode(exchange), "invalid_request");
    expect(reused.providerCode).toBe("invalid_code");
    const wrongSecret = await channelFailure(
      exchangeSlackCode({ ...exchange, clientSecret: "nope" }),
      "unauthorized",
    );
    expect(wrongSecret.providerCode).toBe("bad_client_secret");
  });
});

describe("Events API", () => {
  it("answers the url_verification challenge only when signed", async () => {
    const body = JSON.stringify({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    expect(
      await receiveSlackEvent(await signedSlackRequest(HOOK, body), SLACK_SIGNING_SECRET),
    ).toEqual({
      outcome: "handshake",
      body: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    const unsigned = new Request(HOOK, { method: "POST", body });
    expect(await receiveSlackEvent(unsigned, SLACK_SIGNING_SECRET)).toMatchObject({
      outcome: "rejected",
      status: 401,
    });
  });

  it("refuses a tampered body, another secret, and timestamps outside five minutes", async () => {
    const body = JSON.stringify(callback(mention));
    const now = Math.floor(Date.now() / 1000);
    const good = await signedSlackRequest(HOOK, body);
    const tampered = new Request(good, { body: body.replace("Q3", "Q4") });
    const cases: [Request, boolean][] = [
      [await signedSlackRequest(HOOK, body), true],
      [await signedSlackRequest(HOOK, body, SLACK_SIGNING_SECRET, now - 240), true],
      [tampered, false],
      [await signedSlackRequest(HOOK, body, "another-apps-secret"), false],
      [await signedSlackRequest(HOOK, body, SLACK_SIGNING_SECRET, now - 301), false],
      [await signedSlackRequest(HOOK, body, SLACK_SIGNING_SECRET, now + 301), false],
    ];
    for (const [request, accepted] of cases) {
      const outcome = await receiveSlackEvent(request, SLACK_SIGNING_SECRET);
      expect(outcome.outcome).toBe(accepted ? "messages" : "rejected");
    }
    const noSignature = new Request(good);
    noSignature.headers.delete("x-slack-signature");
    expect((await receiveSlackEvent(noSignature, SLACK_SIGNING_SECRET)).outcome).toBe("rejected");
    const big = JSON.stringify(callback({ ...mention, text: "x".repeat(MAX_SLACK_EVENT_BYTES) }));
    expect(
      await receiveSlackEvent(await signedSlackRequest(HOOK, big), SLACK_SIGNING_SECRET),
    ).toMatchObject({
      outcome: "rejected",
      status: 413,
    });
  });

  it("turns a mention into a message threaded under it, without the bot's mention", async () => {
    const outcome = await receiveSlackEvent(
      await signedSlackRequest(HOOK, JSON.stringify(callback(mention))),
      SLACK_SIGNING_SECRET,
    );
    expect(outcome).toEqual({
      outcome: "messages",
      messages: [
        {
          kind: "slack",
          providerMessageId: "T0ACME:6f0c3c8e-aaaa-4bbb-8ccc-0123456789ab",
          conversationId: "T0ACME:C0SALES:1767225600.000100",
          sender: { id: "U0ADA" },
          text: "can you draft the Q3 summary & send it?",
          truncated: false,
          attachments: [],
          omittedAttachments: 0,
          receivedAt: "2026-01-01T00:00:00.000Z",
          replyTo: {
            kind: "slack",
            teamId: "T0ACME",
            channel: "C0SALES",
            threadTs: "1767225600.000100",
          },
        },
      ],
    });
  });

  it("keeps a thread's conversation for mentions inside it, and DMs as one conversation", () => {
    const inThread = parseSlackEvent(callback({ ...mention, thread_ts: "1767220000.000001" }));
    expect(inThread.outcome === "messages" && inThread.messages[0]?.conversationId).toBe(
      "T0ACME:C0SALES:1767220000.000001",
    );
    const direct = parseSlackEvent(callback(dm));
    expect(direct.outcome === "messages" && direct.messages[0]).toMatchObject({
      conversationId: "T0ACME:D0ADA",
      text: "Hi, quick question",
      replyTo: { kind: "slack", teamId: "T0ACME", channel: "D0ADA" },
    });
    expect(direct.outcome === "messages" && "threadTs" in (direct.messages[0]?.replyTo ?? {})).toBe(
      false,
    );
  });

  it("dedupes on client_msg_id across mention and message events, else on event_id", () => {
    const a = parseSlackEvent(callback(mention, { event_id: "Ev1" }));
    const b = parseSlackEvent(
      callback({ ...mention, type: "message", channel_type: "im" }, { event_id: "Ev2" }),
    );
    const ids = [a, b].map((o) =>
      o.outcome === "messages" ? o.messages[0]?.providerMessageId : o.outcome,
    );
    expect(ids[0]).toBe(ids[1]);
    const { client_msg_id: _, ...noClientId } = mention;
    const c = parseSlackEvent(callback(noClientId, { event_id: "Ev3" }));
    expect(c.outcome === "messages" && c.messages[0]?.providerMessageId).toBe("T0ACME:Ev3");
  });

  it("ignores bots, itself, edits, deletions, channel messages and other events", () => {
    const ignored = [
      callback({ ...dm, bot_id: "B0OTHER" }),
      callback({ ...dm, user: BOT }),
      callback({ ...dm, subtype: "message_changed" }),
      callback({ ...dm, subtype: "message_deleted" }),
      callback({ ...dm, subtype: "bot_message" }),
      callback({ ...dm, channel_type: "channel" }),
      callback({ type: "reaction_added", user: "U0ADA", reaction: "thumbsup" }),
      callback({ ...mention, text: `<@${BOT}>` }),
      { type: "app_rate_limited", team_id: "T0ACME", minute_rate_limited: 1 },
      "not json object",
    ];
    for (const body of ignored) expect(parseSlackEvent(body).outcome).toBe("ignored");
    const shared = parseSlackEvent(
      callback({ ...dm, subtype: "file_share", files: [{ id: "F1" }, { id: "F2" }] }),
    );
    expect(shared.outcome === "messages" && shared.messages[0]?.omittedAttachments).toBe(2);
  });

  it("looks up the sender's name and confirmed email with users.info", async () => {
    const ws = await newWorkspace();
    await standIn("/slack/_test/users", {
      token: ws.token,
      user: {
        id: "U0ADA",
        name: "ada",
        real_name: "Ada Lovelace",
        is_email_confirmed: true,
        profile: { email: "ada@acme.example", real_name: "Ada Lovelace", display_name: "ada" },
      },
    });
    expect(await lookupSlackUser(ws, "U0ADA")).toEqual({
      id: "U0ADA",
      name: "Ada Lovelace",
      email: "ada@acme.example",
      verified: true,
    });
    expect((await requestsOf(ws))[0]).toEqual({ method: "users.info", params: { user: "U0ADA" } });
    await channelFailure(lookupSlackUser(ws, "U0NOBODY"), "not_found");
  });
});

describe("replies", () => {
  const persona = { username: "Maya (Sales)", iconUrl: "https://app.example.com/avatars/maya.png" };

  it("posts in the thread under the employee's name and avatar, split at 4000", async () => {
    const ws = await newWorkspace();
    const target = {
      kind: "slack" as const,
      teamId: ws.teamId,
      channel: "C0SALES",
      threadTs: "1767225600.000100",
    };
    const text = `${"a".repeat(3000)}\n${"b".repeat(3000)}`;
    const sent = await sendSlackReply(ws, { text, replyTo: target }, persona);
    expect(sent.ts).toHaveLength(2);
    const calls = await requestsOf(ws);
    expect(calls.map((c) => c.params)).toEqual([
      {
        channel: "C0SALES",
        text: "a".repeat(3000),
        thread_ts: "1767225600.000100",
        username: "Maya (Sales)",
        icon_url: persona.iconUrl,
      },
      {
        channel: "C0SALES",
        text: "b".repeat(3000),
        thread_ts: "1767225600.000100",
        username: "Maya (Sales)",
        icon_url: persona.iconUrl,
      },
    ]);
  });

  it("answers a DM in the DM, not in a thread", async () => {
    const ws = await newWorkspace();
    await sendSlackReply(
      ws,
      { text: "Sure.", replyTo: { kind: "slack", teamId: ws.teamId, channel: "D0ADA" } },
      persona,
    );
    expect((await requestsOf(ws))[0]?.params).not.toHaveProperty("thread_ts");
  });

  it("types Slack's envelope: ratelimited with Retry-After, revoked token, not in channel", async () => {
    const ws = await newWorkspace();
    const target = { kind: "slack" as const, teamId: ws.teamId, channel: "C0SALES" };
    await standIn("/slack/_test/fail", {
      token: ws.token,
      method: "chat.postMessage",
      error: "ratelimited",
      status: 429,
      retryAfter: 30,
    });
    const limited = await channelFailure(
      sendSlackReply(ws, { text: "hi", replyTo: target }, persona),
      "rate_limited",
    );
    expect(limited.retryAfterSeconds).toBe(30);
    await standIn("/slack/_test/fail", {
      token: ws.token,
      method: "chat.postMessage",
      error: "not_in_channel",
    });
    await channelFailure(sendSlackReply(ws, { text: "hi", replyTo: target }, persona), "forbidden");
    await standIn("/slack/_test/revoke", { token: ws.token });
    const revoked = await channelFailure(
      sendSlackReply(ws, { text: "hi", replyTo: target }, persona),
      "unauthorized",
    );
    expect(revoked.providerCode).toBe("token_revoked");
    const unknown = await channelFailure(
      sendSlackReply(
        { ...ws, token: "xoxb-never-issued" },
        { text: "hi", replyTo: target },
        persona,
      ),
      "unauthorized",
    );
    expect(unknown.providerCode).toBe("invalid_auth");
  });

  it("refuses attachments and empty replies before sending anything", async () => {
    const ws = await newWorkspace();
    const target = { kind: "slack" as const, teamId: ws.teamId, channel: "C0SALES" };
    const files = [{ name: "a.txt", contentType: "text/plain", base64: "aGk=" }];
    await channelFailure(
      sendSlackReply(ws, { text: "hi", replyTo: target, attachments: files }, persona),
      "invalid_request",
    );
    await channelFailure(
      sendSlackReply(ws, { text: " \n ", replyTo: target }, persona),
      "invalid_request",
    );
    expect(await requestsOf(ws)).toEqual([]);
  });
});

describe("app manifest", () => {
  it("asks for exactly the scopes the code uses and subscribes to mentions and DMs", () => {
    const manifest = (env as unknown as { TEST_SLACK_MANIFEST: string }).TEST_SLACK_MANIFEST;
    const list = (after: string) =>
      [...(manifest.split(after)[1] ?? "").matchAll(/^\s+- (\S+)$/gm)]
        .map((m) => m[1])
        .slice(0, 20);
    const bot = manifest.split(/^\s+bot:\n/m)[1]?.split(/^settings:/m)[0] ?? "";
    expect([...bot.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1])).toEqual([...SLACK_BOT_SCOPES]);
    expect(list("bot_events:\n").slice(0, 2)).toEqual(["app_mention", "message.im"]);
    expect(manifest).toContain("request_url: https://APP_DOMAIN/channels/slack/events");
    expect(manifest).toContain("- https://APP_DOMAIN/channels/slack/oauth/callback");
  });
});
