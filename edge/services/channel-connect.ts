import { z } from "zod";
import type { ChannelRow } from "../../db/schema.ts";
import {
  generateVerifyToken,
  openChannelToken,
  openWhatsAppSecret,
  sealForEmployee,
} from "../channels/channel-credentials.ts";
import { ChannelError } from "../channels/channel-error.ts";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import { type ChannelKeyring, maskSecret, sealCredential } from "../channels/channel-secrets.ts";
import { channelWebhookPath } from "../channels/channel-view.ts";
import { slackAuthorizeUrl } from "../channels/slack/slack-oauth.ts";
import { callTelegram } from "../channels/telegram/telegram-api.ts";
import {
  connectTelegram,
  disconnectTelegram,
  generateTelegramSecretToken,
} from "../channels/telegram/telegram-connect.ts";
import { connectWhatsApp } from "../channels/whatsapp/whatsapp-connect.ts";
import { type ChannelPut, defaultChannelSettings } from "../contract/channels.ts";
import { channelWebhookBase, slackApp } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import {
  ChannelTakenError,
  channelsByExternalId,
  deleteChannel,
  upsertChannel,
} from "../store/channels.ts";
import type { Actor } from "./actor.ts";
import type { Deps } from "./deps.ts";

// Connecting a channel to a provider (PUT /api/employees/:id/channels/:kind): the provider is
// asked first (Telegram getMe and setWebhook, WhatsApp's number), then the row is written with
// the credential sealed. A provider's refusal is 422 channel_rejected with its reason; one that
// cannot be reached is 502; a server without the key (or Slack app) is 503.

/** The employee a channel belongs to. */
export interface ChannelOwner {
  id: string;
  accountId: string;
  name: string;
}

/** How long the sealed state of "Add to Slack" is good for. */
export const SLACK_STATE_TTL_MS = 10 * 60 * 1000;
/** The owner the Slack OAuth state is sealed for: never an account's or employee's id. */
export const SLACK_STATE_OWNER = "slack-oauth-state";
export const SLACK_CALLBACK_PATH = "/channels/slack/oauth/callback";

export const notConfigured = (what: string) =>
  new ApiError(503, "channels_not_configured", `${what} cannot be connected on this server yet.`);

export async function requireKeyring(deps: Deps): Promise<ChannelKeyring> {
  const keyring = keyringFromConfig(deps.config);
  if (!keyring) throw notConfigured("Channels");
  return keyring;
}

/** The keyring when configured, else null (reading views needs it only for WhatsApp). */
export function maybeKeyring(deps: Deps): Promise<ChannelKeyring> | null {
  return keyringFromConfig(deps.config);
}

/** A provider's answer as the API's: refused (422, its reason) or unreachable (502). */
export function providerFailure(err: unknown): unknown {
  if (!(err instanceof ChannelError)) return err;
  if (err.retryable)
    return new ApiError(
      502,
      "channel_unavailable",
      `${providerName(err.provider)} could not be reached. Try again in a minute.`,
    );
  return new ApiError(
    422,
    "channel_rejected",
    `${providerName(err.provider)} refused: ${err.message}`,
    { reason: err.message },
  );
}

const providerName = (kind: string) =>
  ({ telegram: "Telegram", slack: "Slack", whatsapp: "WhatsApp", email: "Email" })[kind] ?? kind;

const inUse = (what: string) =>
  new ApiError(409, "channel_in_use", `This ${what} is connected to another employee.`);

const missing = (fields: Record<string, string>) =>
  new ApiError(400, "invalid_input", "Some channel values are missing.", fields);

/** Answers 409 when another employee has this provider id (a bot, a number). */
async function refuseTaken(
  deps: Deps,
  kind: "telegram" | "whatsapp",
  externalId: string,
  owner: ChannelOwner,
): Promise<void> {
  const rows = await channelsByExternalId(deps.env.DB, kind, externalId);
  if (rows.some((r) => r.employeeId !== owner.id))
    throw inUse(kind === "telegram" ? "bot" : "number");
}

async function written(deps: Deps, write: Parameters<typeof upsertChannel>[1], what: string) {
  try {
    return await upsertChannel(deps.env.DB, write, deps.now());
  } catch (err) {
    if (err instanceof ChannelTakenError) throw inUse(what);
    throw err;
  }
}

const BotId = z.object({ id: z.number().int() }).loose();

/**
 * Telegram: getMe proves the token and names the bot (a bot another employee has is refused
 * there, its webhook left where it is), then connectTelegram points the bot at this channel's
 * URL with a fresh secret token.
 */
export async function connectTelegramChannel(
  deps: Deps,
  actor: Actor,
  owner: ChannelOwner,
  existing: ChannelRow | null,
  botToken: string,
): Promise<ChannelRow> {
  const keyring = await requireKeyring(deps);
  const apiUrl = deps.config.TELEGRAM_API_URL;
  // The bot's id is asked first: a bot another employee has is refused before its webhook moves.
  try {
    const me = await callTelegram({ apiUrl, token: botToken }, "getMe", {}, BotId);
    await refuseTaken(deps, "telegram", String(me.id), owner);
  } catch (err) {
    throw providerFailure(err);
  }
  // The webhook's URL names the row, so a first connect writes a pending row, gone on failure.
  const row =
    existing ??
    (await written(
      deps,
      {
        accountId: owner.accountId,
        employeeId: owner.id,
        kind: "telegram",
        status: "pending",
        settings: defaultChannelSettings("telegram"),
        createdBy: actor.userId,
      },
      "bot",
    ));
  const secretToken = generateTelegramSecretToken();
  const url = `${channelWebhookBase(deps.config)}${channelWebhookPath("telegram", row.id)}`;
  let bot: Awaited<ReturnType<typeof connectTelegram>>;
  try {
    bot = await connectTelegram({ apiUrl, token: botToken }, url, secretToken);
  } catch (err) {
    if (!existing) await deleteChannel(deps.env.DB, row.id);
    throw providerFailure(err);
  }
  // Another bot replaced: the old one stops calling us (best effort: it may be revoked).
  if (existing?.credentialSealed && existing.externalId !== bot.botId) {
    await openChannelToken(keyring, existing)
      .then((token) => disconnectTelegram({ apiUrl, token }))
      .catch((err: unknown) =>
        deps.log.warn("the replaced bot's webhook was not removed", errorFields(err)),
      );
  }
  return written(
    deps,
    {
      accountId: owner.accountId,
      employeeId: owner.id,
      kind: "telegram",
      status: existing?.status === "paused" ? "paused" : "connected",
      statusReason: null,
      externalId: bot.botId,
      display: `@${bot.username}`,
      credentialSealed: await sealForEmployee(keyring, owner.id, botToken),
      secretSealed: await sealForEmployee(keyring, owner.id, secretToken),
      credentialMasked: maskSecret(botToken),
      settings: existing?.settings ?? defaultChannelSettings("telegram"),
      connectedAt: deps.now(),
    },
    "bot",
  );
}

/**
 * WhatsApp: the phone number id, the access token and the app secret (Meta signs webhooks with
 * it). On a change, what is not given is kept; the verify token is made once and kept, so the
 * webhook set up in Meta's dashboard keeps working.
 */
export async function connectWhatsAppChannel(
  deps: Deps,
  owner: ChannelOwner,
  existing: ChannelRow | null,
  put: ChannelPut,
): Promise<ChannelRow> {
  const keyring = await requireKeyring(deps);
  const kept = existing?.secretSealed ? await openWhatsAppSecret(keyring, existing) : null;
  const phoneNumberId = put.phoneNumberId ?? existing?.externalId ?? null;
  const accessToken =
    put.accessToken ??
    (existing?.credentialSealed ? await openChannelToken(keyring, existing) : null);
  const appSecret = put.appSecret ?? kept?.appSecret ?? null;
  const lacking: Record<string, string> = {};
  if (!phoneNumberId) lacking.phoneNumberId = "The phone number id is required.";
  if (!accessToken) lacking.accessToken = "The access token is required.";
  if (!appSecret) lacking.appSecret = "The app secret is required (Meta signs with it).";
  if (!phoneNumberId || !accessToken || !appSecret) throw missing(lacking);
  await refuseTaken(deps, "whatsapp", phoneNumberId, owner);
  let number: Awaited<ReturnType<typeof connectWhatsApp>>;
  try {
    number = await connectWhatsApp({
      graphUrl: deps.config.WHATSAPP_GRAPH_URL,
      accessToken,
      phoneNumberId,
    });
  } catch (err) {
    throw providerFailure(err);
  }
  const secret = { appSecret, verifyToken: kept?.verifyToken ?? generateVerifyToken() };
  return written(
    deps,
    {
      accountId: owner.accountId,
      employeeId: owner.id,
      kind: "whatsapp",
      status: existing?.status === "paused" ? "paused" : "connected",
      statusReason: null,
      externalId: number.phoneNumberId,
      display: number.displayPhoneNumber,
      credentialSealed: await sealForEmployee(keyring, owner.id, accessToken),
      secretSealed: await sealForEmployee(keyring, owner.id, secret),
      credentialMasked: maskSecret(accessToken),
      settings: existing?.settings ?? defaultChannelSettings("whatsapp"),
      connectedAt: deps.now(),
    },
    "number",
  );
}

/** What the Slack OAuth state carries, sealed: who started it, for which employee, until when. */
export interface SlackState {
  accountId: string;
  employeeId: string;
  userId: string;
  exp: number;
}

export const slackRedirectUri = (deps: Deps) => `${deps.config.appOrigin}${SLACK_CALLBACK_PATH}`;

/**
 * Slack: the answer is the authorize URL with a sealed state; the channel is pending until the
 * consent comes back (services/slack-install.ts). The redirect is on the app's origin, where the
 * session cookie is (the callback checks it is the same person's).
 */
export async function startSlackConnect(
  deps: Deps,
  actor: Actor,
  owner: ChannelOwner,
  existing: ChannelRow | null,
): Promise<{ row: ChannelRow; authorizeUrl: string }> {
  const app = slackApp(deps.config);
  if (!app) throw notConfigured("Slack");
  const keyring = await requireKeyring(deps);
  const row =
    existing ??
    (await written(
      deps,
      {
        accountId: owner.accountId,
        employeeId: owner.id,
        kind: "slack",
        status: "pending",
        statusReason: "Waiting for Slack's consent.",
        settings: defaultChannelSettings("slack"),
        createdBy: actor.userId,
      },
      "workspace",
    ));
  const state: SlackState = {
    accountId: owner.accountId,
    employeeId: owner.id,
    userId: actor.userId,
    exp: deps.now() + SLACK_STATE_TTL_MS,
  };
  const authorizeUrl = slackAuthorizeUrl({
    authorizeUrl: deps.config.SLACK_AUTHORIZE_URL,
    clientId: app.clientId,
    redirectUri: slackRedirectUri(deps),
    state: await sealCredential(keyring, SLACK_STATE_OWNER, state),
  });
  return { row, authorizeUrl };
}
