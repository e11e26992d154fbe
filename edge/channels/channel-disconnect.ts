import type { ChannelRow } from "../../db/schema.ts";
import { type Config, type Env, parseConfig } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import {
  channelsByExternalId,
  deleteChannel,
  getChannel,
  listEmployeeChannels,
} from "../store/channels.ts";
import { deleteSlackInstallation, getSlackInstallation } from "../store/slack-installations.ts";
import { openChannelToken } from "./channel-credentials.ts";
import { keyringFromConfig } from "./channel-keyring.ts";
import { disconnectTelegram } from "./telegram/telegram-connect.ts";

// A channel going away: the provider stops calling us where it can be told to (Telegram's
// deleteWebhook; WhatsApp's webhook is set in the customer's own Meta app, Slack's is the
// product's), then the row goes, and a Slack workspace no employee of its account answers in
// any more is forgotten with its sealed bot token. Used when a channel is removed (the channel
// verbs) and when an employee is fired (objects/employee-removal.ts). The provider's part is best
// effort: a revoked token or an unreachable provider must not keep a channel, or an employee.

/** Tells the provider to stop calling the edge for this channel; never throws. */
export async function disconnectAtProvider(
  config: Config,
  log: Logger,
  row: ChannelRow,
): Promise<void> {
  if (row.kind !== "telegram" || !row.credentialSealed) return;
  try {
    const keyring = await keyringFromConfig(config);
    if (!keyring) throw new Error("CHANNEL_SECRETS_KEY is not set");
    const token = await openChannelToken(keyring, row);
    await disconnectTelegram({ apiUrl: config.TELEGRAM_API_URL, token });
  } catch (err) {
    log.warn("the channel's webhook was not removed at the provider", {
      kind: row.kind,
      channelId: row.id,
      ...errorFields(err),
    });
  }
}

/** Removes one channel: the provider's webhook, the row, an orphaned Slack installation. */
export async function disconnectChannel(
  config: Config,
  log: Logger,
  d1: D1Database,
  row: ChannelRow,
): Promise<void> {
  await disconnectAtProvider(config, log, row);
  await deleteChannel(d1, row.id);
  if (row.kind === "slack" && row.externalId) await forgetIdleWorkspace(d1, row.externalId);
}

async function forgetIdleWorkspace(d1: D1Database, teamId: string): Promise<void> {
  const installation = await getSlackInstallation(d1, teamId);
  if (!installation) return;
  const serving = await channelsByExternalId(d1, "slack", teamId);
  if (serving.some((r) => r.accountId === installation.accountId)) return;
  await deleteSlackInstallation(d1, teamId);
}

/**
 * A fired employee's channels, before its D1 row goes (the rows would go with it, but their
 * credentials are what tells the providers to stop). Never throws: the firing goes on.
 */
export async function disconnectEmployeeChannels(
  env: Env,
  log: Logger,
  employeeId: string,
): Promise<void> {
  try {
    const config = parseConfig(env);
    for (const row of await listEmployeeChannels(env.DB, employeeId)) {
      // Read again: a retried removal may meet a row another pass already removed.
      if (await getChannel(env.DB, row.id)) await disconnectChannel(config, log, env.DB, row);
    }
  } catch (err) {
    log.warn("the fired employee's channels were not all disconnected", errorFields(err));
  }
}
