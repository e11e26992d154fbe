import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import type { InboundMessage } from "../channels/channel-message.ts";
import { sealCredential } from "../channels/channel-secrets.ts";
import { defaultChannelSettings } from "../contract/channels.ts";
import { upsertChannel } from "../store/channels.ts";
import { putSlackInstallation } from "../store/slack-installations.ts";
import { intakeStates, pause } from "./channels-inbox-helpers.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";
import { accept, progress, runningEmployee, until } from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { mailbox, removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// Members get through without a pairing request: Slack's users.info with a confirmed email, and a
// DMARC-verified email sender; the answers go back in their channel (Slack in the thread under the
// employee's name and avatar, email through the mailer, threaded).

async function memberOf(employeeId: string) {
  const row = await env.DB.prepare(
    `SELECT e.account_id AS accountId, u.email AS email FROM employees e
     JOIN memberships m ON m.account_id = e.account_id JOIN users u ON u.id = m.user_id
     WHERE e.id = ? LIMIT 1`,
  )
    .bind(employeeId)
    .first<{ accountId: string; email: string }>();
  if (!row) throw new Error("no member");
  return row;
}

const keyring = async () => {
  const k = keyringFromConfig(config());
  if (!k) throw new Error("no channel key");
  return k;
};

describe("members", () => {
  it("Slack: a confirmed member's message is answered in the thread under the employee's name and avatar; a stranger waits", async () => {
    const { employeeId, agent } = await runningEmployee("ch-slack");
    const { accountId, email } = await memberOf(employeeId);
    const teamId = `T${randomToken(8).replace(/[^A-Za-z0-9]/g, "A")}`;
    const token = `xoxb-${randomToken(24)}`;
    await standIn("/slack/_test/workspaces", {
      token,
      teamId,
      teamName: "Acme",
      botUserId: "UBOT",
    });
    await standIn("/slack/_test/users", {
      token,
      id: "UADA",
      name: "Ada",
      email,
      emailConfirmed: true,
    });
    await standIn("/slack/_test/users", { token, id: "UEVE", name: "Eve", email: "eve@x.example" });
    await putSlackInstallation(
      env.DB,
      {
        teamId,
        accountId,
        botTokenSealed: await sealCredential(await keyring(), accountId, { botToken: token }),
        botUserId: "UBOT",
        appId: null,
        enterpriseId: null,
        teamName: "Acme",
        installedBy: null,
      },
      Date.now(),
    );
    const ch = await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId,
        kind: "slack",
        status: "connected",
        externalId: teamId,
        display: "Acme",
        settings: defaultChannelSettings("slack"),
      },
      Date.now(),
    );
    const slack = (user: string, text: string): InboundMessage => ({
      kind: "slack",
      providerMessageId: `${teamId}:${crypto.randomUUID()}`,
      conversationId: `${teamId}:C1:1700000000.000100`,
      sender: { id: user },
      text,
      truncated: false,
      attachments: [],
      omittedAttachments: 0,
      receivedAt: new Date().toISOString(),
      replyTo: { kind: "slack", teamId, channel: "C1", threadTs: "1700000000.000100" },
    });
    await employeeObject(employeeId).channelReceive({
      channelId: ch.id,
      kind: "slack",
      messages: [slack("UEVE", "who are you"), slack("UADA", "status please")],
    });
    const frame = await agent.next("chat.send");
    expect(frame.text).toBe("[Slack message from Ada]\nstatus please");
    expect(await intakeStates(employeeId)).toEqual({ held: 1, admitted: 1 });
    accept(agent, frame);
    progress(agent, employeeId, frame.runId, { state: "final", text: "All green." });
    const posted = async () =>
      (
        await standIn<{ requests: { params: Record<string, unknown> }[] }>(
          `/slack/_test/requests?token=${encodeURIComponent(token)}&method=chat.postMessage`,
        )
      ).requests.map((r) => r.params);
    await until(async () => (await posted()).length === 1, "the Slack reply");
    expect((await posted())[0]).toMatchObject({
      channel: "C1",
      text: "All green.",
      thread_ts: "1700000000.000100",
      username: "Chatty",
      icon_url: `http://localhost:8787/channels/avatar/${employeeId}.png`,
    });
  });

  // From and the threading headers are the mailer's to keep (the email channel's own test).
  it("email: a DMARC-verified member is answered through the mailer; the same address unverified waits", async () => {
    const { employeeId, agent } = await runningEmployee("ch-email");
    const { accountId, email } = await memberOf(employeeId);
    const local = `chatty-${randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "a")}`;
    const ch = await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId,
        kind: "email",
        status: "connected",
        externalId: local,
        display: `${local}@employees.localhost`,
        settings: defaultChannelSettings("email"),
      },
      Date.now(),
    );
    const mail = (from: string, verified: boolean, id: string): InboundMessage => ({
      kind: "email",
      providerMessageId: id,
      conversationId: "<root@example.com>",
      sender: { id: from, email: from, name: "Ada", verified },
      text: "Can you send the report?",
      truncated: false,
      attachments: [],
      omittedAttachments: 0,
      receivedAt: new Date().toISOString(),
      replyTo: {
        kind: "email",
        to: from,
        employeeAddress: `${local}@employees.localhost`,
        messageId: id,
        references: ["<root@example.com>", id],
        subject: "Report",
      },
    });
    await employeeObject(employeeId).channelReceive({
      channelId: ch.id,
      kind: "email",
      // The member's address, but not vouched for by DMARC: a stranger until verified.
      messages: [mail(email, false, "<spoof@example.com>"), mail(email, true, "<m1@example.com>")],
    });
    const frame = await agent.next("chat.send");
    expect(frame.text).toBe("[Email message from Ada]\nCan you send the report?");
    await pause(100);
    expect(await intakeStates(employeeId)).toEqual({ held: 1, admitted: 1 });
    accept(agent, frame);
    progress(agent, employeeId, frame.runId, { state: "final", text: "Here it is." });
    await until(
      async () => (await mailbox(email)).some((m) => m.subject === "Re: Report"),
      "the email reply",
    );
  });
});
