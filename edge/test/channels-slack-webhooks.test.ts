import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  messageEvent,
  SLACK_SIGNING_SECRET,
  signedSlackRequest,
} from "../../testing/stand-ins/slack-event-delivery.ts";
import { receiveSlack } from "../services/slack-routing.ts";
import { putSlackInstallation } from "../store/slack-installations.ts";
import { getSlackRoute } from "../store/slack-routes.ts";
import {
  bareEmployee,
  channelOf,
  deps,
  ORIGIN,
  RecordingInbox,
  seal,
  worker,
} from "./channels-webhook-fixtures.ts";
import { errorOf } from "./helpers.ts";
import { person } from "./team-fixture.ts";

// Slack's one events URL (/channels/slack/events), signed with the product's signing secret:
// the challenge, refusals before anything is stored, and the routing of a workspace's messages
// to one employee: the thread's or DM's owner, else the name that opens the text, else the
// default. A recording inbox shows which employee each message reached.

const URL_ = `${ORIGIN}/channels/slack/events`;
const suffix = () => crypto.randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase();
const team = { teamId: `T${suffix()}`, botUserId: `U0BOT${suffix()}` };
const ids: Record<string, string> = {};

async function event(
  input: Record<string, unknown>,
  over: (e: Record<string, unknown>) => void = () => {},
) {
  const made = messageEvent(team, { url: URL_, user: "U0ADA", ...input });
  if (typeof made === "string") throw new Error(made);
  const body = JSON.parse(made.body) as { event: Record<string, unknown> };
  over(body.event);
  return { ...made, body: JSON.stringify(body) };
}

/** Delivers to the service with the inbox and says which employee (by name) took it. */
async function routed(inbox: RecordingInbox, input: Record<string, unknown>) {
  const { body } = await event(input);
  const before = inbox.calls.length;
  await receiveSlack(deps(), await signedSlackRequest(URL_, body), inbox);
  const call = inbox.calls[before];
  return Object.entries(ids).find(([, id]) => id === call?.employeeId)?.[0] ?? null;
}

beforeAll(async () => {
  const accountId = (await person("ch-slack-hooks")).ownAccountId;
  await putSlackInstallation(
    env.DB,
    {
      teamId: team.teamId,
      accountId,
      botTokenSealed: await seal(accountId, "xoxb-stand-in"),
      botUserId: team.botUserId,
      appId: "A0STANDIN",
      enterpriseId: null,
      teamName: "Acme",
      installedBy: null,
    },
    Date.now(),
  );
  for (const name of ["Anna", "Anna Maria", "Ben", "Carla", "Dora"]) {
    ids[name] = await bareEmployee(accountId, name);
    await channelOf({
      accountId,
      employeeId: ids[name] ?? "",
      kind: "slack",
      externalId: team.teamId,
      status: name === "Dora" ? "paused" : "connected",
      settings: name === "Carla" ? { isDefault: true } : {},
    });
  }
});

describe("Slack events", () => {
  it("echoes the url_verification challenge when signed, and refuses it unsigned", async () => {
    const body = JSON.stringify({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const res = await worker(await signedSlackRequest(URL_, body));
    expect([res.status, await res.text()]).toEqual([
      200,
      "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    ]);
    const unsigned = await worker(new Request(URL_, { method: "POST", body }));
    expect([unsigned.status, (await errorOf(unsigned)).code]).toEqual([401, "missing_signature"]);
  });

  it("refuses forged, stale and missing signatures with 401 before anything reaches an inbox", async () => {
    const inbox = new RecordingInbox();
    const { body } = await event({ text: "Ben, hello" });
    const forged = await signedSlackRequest(URL_, body, "another-secret");
    const stale = await signedSlackRequest(
      URL_,
      body,
      SLACK_SIGNING_SECRET,
      Math.floor(Date.now() / 1000) - 600,
    );
    const missing = new Request(URL_, { method: "POST", body });
    for (const [request, code] of [
      [forged, "invalid_signature"],
      [stale, "invalid_signature"],
      [missing, "missing_signature"],
    ] as const) {
      await expect(receiveSlack(deps(), request, inbox)).rejects.toMatchObject({
        status: 401,
        code,
      });
    }
    expect(inbox.calls).toEqual([]);
    const res = await worker(await signedSlackRequest(URL_, body, "another-secret"));
    expect(res.status).toBe(401);
    const notJson = await worker(await signedSlackRequest(URL_, "{nope"));
    expect([notJson.status, (await errorOf(notJson)).code]).toEqual([400, "invalid_json"]);
  });

  it("acknowledges signed garbage (never a 500) and refuses a body over 1 MiB with 413", async () => {
    for (const body of ["null", "[]", "{}", '"x"', '{"type":"event_callback"}', '{"team_id":7}']) {
      const res = await worker(await signedSlackRequest(URL_, body));
      expect(res.status, body).toBe(200);
    }
    const huge = await worker(await signedSlackRequest(URL_, `{"x":"${"y".repeat(1100 * 1024)}"}`));
    expect([huge.status, (await errorOf(huge)).code]).toEqual([413, "body_too_large"]);
  });

  it("routes by the name that opens the text, then keeps the DM with that employee", async () => {
    const inbox = new RecordingInbox();
    expect(await routed(inbox, { user: "U0BEN1", text: "Ben, can you check the invoice?" })).toBe(
      "Ben",
    );
    // The same DM, no name: still Ben's (slack_routes).
    expect(await routed(inbox, { user: "U0BEN1", text: "and the other one" })).toBe("Ben");
    expect(await getSlackRoute(env.DB, team.teamId, `${team.teamId}:D0BEN1`)).toBe(ids.Ben);
    // Full names before first names, the longest first; a word that only starts with a name is no name.
    expect(
      await routed(inbox, { user: "U0X1", text: "Anna Maria: the plan", channelType: "channel" }),
    ).toBe("Anna Maria");
    expect(
      await routed(inbox, { user: "U0X2", text: "anna, the plan", channelType: "channel" }),
    ).toBe("Anna");
    expect(
      await routed(inbox, { user: "U0X3", text: "Annabel said hi", channelType: "channel" }),
    ).toBe("Carla");
    // A paused employee takes nothing: the default does.
    expect(
      await routed(inbox, { user: "U0X4", text: "Dora, are you there?", channelType: "channel" }),
    ).toBe("Carla");
  });

  it("keeps a thread with the employee who took it, whatever a follow-up's name says", async () => {
    const inbox = new RecordingInbox();
    const first = await event({
      text: "Anna please look",
      channelType: "channel",
      channel: "C0THREAD",
    });
    await receiveSlack(deps(), await signedSlackRequest(URL_, first.body), inbox);
    const followUp = await routed(inbox, {
      text: "Ben what do you think?",
      channelType: "channel",
      channel: "C0THREAD",
      threadTs: first.ts,
    });
    expect(inbox.employees).toEqual([ids.Anna, ids.Anna]);
    expect(followUp).toBe("Anna");
    expect(inbox.calls[1]?.input.messages[0]?.conversationId).toBe(
      `${team.teamId}:C0THREAD:${first.ts}`,
    );
  });

  it("goes to the default employee without a name, and a redelivery is a duplicate", async () => {
    const inbox = new RecordingInbox();
    const { body } = await event({ user: "U0NEW", text: "hello?" });
    const first = await receiveSlack(deps(), await signedSlackRequest(URL_, body), inbox);
    const retry = await receiveSlack(deps(), await signedSlackRequest(URL_, body), inbox);
    expect(inbox.employees).toEqual([ids.Carla, ids.Carla]);
    expect([first.body, retry.body]).toMatchObject([{ stored: 1 }, { stored: 0, duplicates: 1 }]);
  });

  it("ignores the bot's own messages, other bots' and unknown workspaces (200, nothing stored)", async () => {
    const inbox = new RecordingInbox();
    const own = await event({ user: team.botUserId, text: "Ben, my own reply" });
    const other = await event({ text: "Ben, from a bot" }, (e) => {
      e.bot_id = "B0OTHER";
    });
    for (const { body } of [own, other]) {
      const answer = await receiveSlack(deps(), await signedSlackRequest(URL_, body), inbox);
      expect(answer).toMatchObject({ body: { stored: 0, ignored: "written by a bot" } });
    }
    const stranger = JSON.parse((await event({ text: "Ben, hi" })).body) as Record<string, unknown>;
    stranger.team_id = "T0NOBODY";
    const res = await worker(await signedSlackRequest(URL_, JSON.stringify(stranger)));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stored: 0, ignored: "workspace not installed" });
    expect(inbox.calls).toEqual([]);
  });
});

describe("Slack routing without a marked default", () => {
  it("goes to the earliest connected employee, and never to another account's", async () => {
    const other = { teamId: `T${suffix()}`, botUserId: `U0BOT${suffix()}` };
    const accountId = (await person("ch-slack-nodefault")).ownAccountId;
    const strangerAccount = (await person("ch-slack-stranger")).ownAccountId;
    await putSlackInstallation(
      env.DB,
      {
        teamId: other.teamId,
        accountId,
        botTokenSealed: await seal(accountId, "xoxb-2"),
        botUserId: other.botUserId,
        appId: null,
        enterpriseId: null,
        teamName: "Other",
        installedBy: null,
      },
      Date.now(),
    );
    const made: Record<string, string> = {};
    for (const [name, account] of [
      ["Finn", accountId],
      ["Eva", accountId],
      ["Intruder", strangerAccount],
    ] as const) {
      made[name] = await bareEmployee(account, name);
      const row = await channelOf({
        accountId: account,
        employeeId: made[name] ?? "",
        kind: "slack",
        externalId: other.teamId,
      });
      // Eva's channel is the oldest, whatever the clock did between the inserts.
      if (name === "Eva")
        await env.DB.prepare("UPDATE channels SET created_at = 1 WHERE id = ?1").bind(row.id).run();
    }
    const inbox = new RecordingInbox();
    for (const text of ["hello", "Intruder, take this"]) {
      const ev = messageEvent(other, {
        url: URL_,
        user: "U0SOMEONE",
        text,
        channelType: "channel",
      });
      if (typeof ev === "string") throw new Error(ev);
      await receiveSlack(deps(), await signedSlackRequest(URL_, ev.body), inbox);
    }
    expect(inbox.employees).toEqual([made.Eva, made.Eva]);
  });
});
