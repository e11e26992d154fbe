import type { ChannelRow } from "../../../db/schema.ts";
import { ChannelError } from "../../channels/channel-error.ts";
import { keyringFromConfig } from "../../channels/channel-keyring.ts";
import type { ChannelKind, ReplyTarget } from "../../channels/channel-message.ts";
import { openCredential } from "../../channels/channel-secrets.ts";
import { emailChannelAddress, sendEmailReply } from "../../channels/email/email-send.ts";
import type { SlackWorkspace } from "../../channels/slack/slack-api.ts";
import { sendSlackReply } from "../../channels/slack/slack-reply.ts";
import type { TelegramBot } from "../../channels/telegram/telegram-api.ts";
import { sendTelegramReply } from "../../channels/telegram/telegram-reply.ts";
import type { WhatsAppNumber } from "../../channels/whatsapp/whatsapp-api.ts";
import { sendWhatsAppReply } from "../../channels/whatsapp/whatsapp-reply.ts";
import { channelWebhookBase, type Env, parseConfig } from "../../env.ts";
import type { Logger } from "../../log/logger.ts";
import { getSlackInstallation } from "../../store/slack-installations.ts";

// How a text reaches a person through their channel: the channel's credential is opened here,
// at the edge (never sent anywhere else), and the adapter of its kind sends it. A failure is the
// adapter's ChannelError, which says how many parts went out, so a retry resumes there.
//
// Sealed credentials (services/channel-connect.ts seals them, owner = the employee id):
// Telegram `{botToken}`, WhatsApp `{accessToken}` (the number is the channel's external_id);
// Slack's bot token is the workspace installation's (owner = the account).

export interface SendContext {
  env: Env;
  log: Logger;
  employeeId: string;
  accountId: string;
  employeeName: string;
}

/** Sends `text` from part `fromPart` on (0: all of it); a ChannelError says how far it got. */
export async function sendToChannel(
  ctx: SendContext,
  channel: ChannelRow,
  target: ReplyTarget,
  text: string,
  fromPart: number,
): Promise<void> {
  const config = parseConfig(ctx.env);
  const reply = { text, replyTo: target };
  switch (target.kind) {
    case "telegram":
      await sendTelegramReply(await telegramBot(ctx, channel), reply, { fromPart });
      return;
    case "whatsapp":
      await sendWhatsAppReply(await whatsAppNumber(ctx, channel), reply, { fromPart });
      return;
    case "slack": {
      const base = channelWebhookBase(config);
      await sendSlackReply(
        await slackWorkspace(ctx, target.teamId),
        reply,
        {
          username: ctx.employeeName,
          iconUrl: `${base}/channels/avatar/${encodeURIComponent(ctx.employeeId)}.png`,
        },
        { fromPart },
      );
      return;
    }
    case "email":
      // One message: nothing to resume. From the address the channel has now.
      await sendEmailReply(
        ctx.env,
        {
          employeeName: ctx.employeeName,
          fromAddress: emailChannelAddress(ctx.env, channel) ?? undefined,
          replyTo: target,
          text,
        },
        ctx.log,
      );
      return;
  }
}

async function opened(ctx: SendContext, kind: ChannelKind, ownerId: string, sealed: string | null) {
  const keyring = keyringFromConfig(parseConfig(ctx.env));
  if (!keyring || !sealed) throw unauthorized(kind, "the channel has no credential");
  return openCredential(await keyring, ownerId, sealed);
}

function field(credential: unknown, ...names: string[]): string | undefined {
  if (typeof credential === "string") return credential;
  if (typeof credential !== "object" || credential === null) return undefined;
  for (const n of names) {
    const v = (credential as Record<string, unknown>)[n];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

export async function telegramBot(ctx: SendContext, channel: ChannelRow): Promise<TelegramBot> {
  const credential = await opened(ctx, "telegram", ctx.employeeId, channel.credentialSealed);
  const token = field(credential, "botToken", "token");
  if (!token) throw unauthorized("telegram", "the Telegram bot token is missing");
  return { apiUrl: parseConfig(ctx.env).TELEGRAM_API_URL, token };
}

export async function whatsAppNumber(
  ctx: SendContext,
  channel: ChannelRow,
): Promise<WhatsAppNumber> {
  const credential = await opened(ctx, "whatsapp", ctx.employeeId, channel.credentialSealed);
  const accessToken = field(credential, "accessToken", "token");
  const phoneNumberId =
    (typeof credential === "object" ? field(credential, "phoneNumberId") : undefined) ??
    channel.externalId;
  if (!accessToken || !phoneNumberId)
    throw unauthorized("whatsapp", "the WhatsApp token is missing");
  return { graphUrl: parseConfig(ctx.env).WHATSAPP_GRAPH_URL, accessToken, phoneNumberId };
}

export async function slackWorkspace(ctx: SendContext, teamId: string): Promise<SlackWorkspace> {
  const installation = await getSlackInstallation(ctx.env.DB, teamId);
  if (installation?.accountId !== ctx.accountId)
    throw unauthorized("slack", "the Slack workspace is not installed");
  const credential = await opened(ctx, "slack", ctx.accountId, installation.botTokenSealed);
  const token = field(credential, "botToken", "token");
  if (!token) throw unauthorized("slack", "the Slack bot token is missing");
  return { apiUrl: parseConfig(ctx.env).SLACK_API_URL, token };
}

const unauthorized = (provider: ChannelKind, message: string) =>
  new ChannelError({ provider, code: "unauthorized", providerCode: "no_credential", message });
