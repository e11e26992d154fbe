import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import type { InboundMessage } from "../channels/channel-message.ts";
import { sealCredential } from "../channels/channel-secrets.ts";
import { type ChannelSettings, defaultChannelSettings } from "../contract/channels.ts";
import type { IntakeState } from "../objects/inbox/channel-store.ts";
import { upsertChannel } from "../store/channels.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";
import { employeeObject } from "./clocks.ts";

// What the channel inbox tests share (channels-inbox*.test.ts): a Telegram channel connected to
// an employee as the channel verbs leave it (a sealed bot token, a bot at the stand-in), the
// messages its webhook would hand the inbox, and what the stand-in was asked to send.

let seq = 0;

export function telegramMessage(over: Partial<InboundMessage> = {}): InboundMessage {
  seq++;
  const chat = over.conversationId ?? "4242";
  return {
    kind: "telegram",
    providerMessageId: `${chat}:${Date.now()}${seq}`,
    conversationId: chat,
    sender: { id: chat, name: "Ada Lovelace" },
    text: `hello ${seq}`,
    truncated: false,
    attachments: [],
    omittedAttachments: 0,
    receivedAt: new Date().toISOString(),
    replyTo: { kind: "telegram", chatId: chat, messageId: 100 + seq },
    ...over,
  };
}

export interface TelegramChannel {
  channelId: string;
  token: string;
  accountId: string;
}

export async function connectTelegram(
  employeeId: string,
  settings: Partial<ChannelSettings> = {},
): Promise<TelegramChannel> {
  const token = `${1000 + Math.floor(Math.random() * 1e8)}:${randomToken(35)}`;
  const bot = await standIn<{ id: number }>("/telegram/_test/bots", { token, username: "iw_bot" });
  const row = await env.DB.prepare("SELECT account_id FROM employees WHERE id = ?")
    .bind(employeeId)
    .first<{ account_id: string }>();
  if (!row) throw new Error("no such employee");
  const keyring = keyringFromConfig(config());
  if (!keyring) throw new Error("no channel key");
  const channel = await upsertChannel(
    env.DB,
    {
      accountId: row.account_id,
      employeeId,
      kind: "telegram",
      status: "connected",
      externalId: String(bot.id),
      display: "@iw_bot",
      credentialSealed: await sealCredential(await keyring, employeeId, { botToken: token }),
      credentialMasked: "1234:•••••xyz",
      settings: { ...defaultChannelSettings("telegram"), ...settings },
      connectedAt: Date.now(),
    },
    Date.now(),
  );
  return { channelId: channel.id, token, accountId: row.account_id };
}

export function receive(employeeId: string, channelId: string, ...messages: InboundMessage[]) {
  return employeeObject(employeeId).channelReceive({ channelId, kind: "telegram", messages });
}

/** The texts the bot was asked to send (failed calls included: the stand-in records each). */
export async function sentTexts(token: string): Promise<string[]> {
  const { requests } = await standIn<{ requests: { params: { text: string } }[] }>(
    `/telegram/_test/requests?token=${encodeURIComponent(token)}&method=sendMessage`,
  );
  return requests.map((r) => r.params.text);
}

export async function sendRequests(token: string) {
  const { requests } = await standIn<{ requests: { params: Record<string, unknown> }[] }>(
    `/telegram/_test/requests?token=${encodeURIComponent(token)}&method=sendMessage`,
  );
  return requests.map((r) => r.params);
}

/** How many of the employee's intake rows are in each state. */
export async function intakeStates(
  employeeId: string,
): Promise<Partial<Record<IntakeState, number>>> {
  return runInDurableObject(employeeObject(employeeId), (_i, state) => {
    const rows = state.storage.sql
      .exec<{ state: IntakeState; n: number }>(
        "SELECT state, count(*) AS n FROM channel_intake GROUP BY state",
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  });
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
