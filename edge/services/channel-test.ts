import { z } from "zod";
import type { ChannelRow } from "../../db/schema.ts";
import { openChannelToken, openSlackBotToken } from "../channels/channel-credentials.ts";
import { ChannelError } from "../channels/channel-error.ts";
import { channelWebhookPath } from "../channels/channel-view.ts";
import { callSlack } from "../channels/slack/slack-api.ts";
import { getWebhookInfo } from "../channels/telegram/telegram-connect.ts";
import { connectWhatsApp } from "../channels/whatsapp/whatsapp-connect.ts";
import { channelWebhookBase } from "../env.ts";
import { setChannelStatus } from "../store/channels.ts";
import { getSlackInstallation } from "../store/slack-installations.ts";
import { providerFailure, requireKeyring } from "./channel-connect.ts";
import type { Deps } from "./deps.ts";

// "Test" on a channel: the provider is asked now whether the credential still works (and, for
// Telegram, whether its webhook still points here and delivers), and the answer is stored as
// the channel's state: connected, or failing with the provider's reason. A provider that cannot
// be reached changes nothing (502).

/** Why the channel does not work, in the provider's words, or null when it does. */
async function problemOf(deps: Deps, row: ChannelRow): Promise<string | null> {
  if (row.kind === "email") return null;
  if (row.status === "pending") return row.statusReason ?? "Not connected yet.";
  const keyring = await requireKeyring(deps);
  if (row.kind === "telegram") {
    const bot = {
      apiUrl: deps.config.TELEGRAM_API_URL,
      token: await openChannelToken(keyring, row),
    };
    const info = await getWebhookInfo(bot);
    const ours = `${channelWebhookBase(deps.config)}${channelWebhookPath("telegram", row.id)}`;
    if (info.url !== ours)
      return "The bot's webhook points elsewhere: another program may use this bot. Connect it again.";
    // Telegram keeps the last error after later successes: it matters while updates wait.
    if (info.pendingUpdates > 0 && info.lastError?.message)
      return `Telegram: ${info.lastError.message}`;
    return null;
  }
  if (row.kind === "whatsapp") {
    await connectWhatsApp({
      graphUrl: deps.config.WHATSAPP_GRAPH_URL,
      accessToken: await openChannelToken(keyring, row),
      phoneNumberId: row.externalId ?? "",
    });
    return null;
  }
  const installation = row.externalId
    ? await getSlackInstallation(deps.env.DB, row.externalId)
    : null;
  if (!installation || installation.accountId !== row.accountId)
    return "The Slack workspace is no longer installed. Add to Slack again.";
  // users.info authenticates the token before it looks the user up: the bot user's own id
  // answers whether the workspace still accepts it.
  try {
    await callSlack(
      deps.config.SLACK_API_URL,
      "users.info",
      await openSlackBotToken(keyring, installation),
      { user: installation.botUserId ?? "" },
      z.object({ ok: z.literal(true) }).loose(),
    );
  } catch (err) {
    if (!(err instanceof ChannelError) || err.code !== "not_found") throw err;
  }
  return null;
}

/** Tests the channel and stores the outcome (a paused channel stays paused). */
export async function checkChannel(deps: Deps, row: ChannelRow): Promise<ChannelRow> {
  let problem: string | null;
  try {
    problem = await problemOf(deps, row);
  } catch (err) {
    if (!(err instanceof ChannelError) || err.retryable) throw providerFailure(err);
    problem = err.message;
  }
  if (row.status === "pending") return row;
  const status = row.status === "paused" ? "paused" : problem ? "failing" : "connected";
  if (status === row.status && problem === row.statusReason) return row;
  return (await setChannelStatus(deps.env.DB, row.id, status, problem, deps.now())) ?? row;
}
