import type { ChannelRow } from "../../db/schema.ts";
import {
  type ChannelKind,
  ChannelSettings,
  type ChannelView,
  defaultChannelSettings,
} from "../contract/channels.ts";
import { maskSecret } from "./channel-secrets.ts";

// A channel row as the API and the live socket show it (services/channels and the inbox's
// `channel` frame both use this). Nothing sealed is read here: the credential shown is the mask
// saved with it, masked again if it ever does not look masked, so a raw token cannot leak
// through a row written wrong.

/** What the view needs besides the row. */
export interface ChannelViewContext {
  /** The employees' mail domain (env.ts employeeMailDomain): the email channel's address. */
  mailDomain: string | null;
  /** WhatsApp: the webhook's base (env.ts channelWebhookBase) and the opened verify token. */
  webhook?: { base: string; verifyToken: string };
}

const MAX_REASON_CHARS = 500;
const MASK_MARK = "•";

/** The path Meta calls for a WhatsApp channel (and Telegram's, set by the edge itself). */
export const channelWebhookPath = (kind: "telegram" | "whatsapp", channelId: string) =>
  `/channels/${kind}/${encodeURIComponent(channelId)}`;

export function notConnectedView(kind: ChannelKind): ChannelView {
  return {
    kind,
    status: "not_connected",
    statusReason: null,
    display: "",
    credential: null,
    settings: defaultChannelSettings(kind),
    paused: false,
    connectedAt: null,
  };
}

export function channelView(row: ChannelRow, ctx: ChannelViewContext): ChannelView {
  const settings = ChannelSettings.safeParse(row.settings);
  const view: ChannelView = {
    kind: row.kind,
    status: row.status,
    statusReason: row.statusReason?.slice(0, MAX_REASON_CHARS) ?? null,
    display: row.display,
    credential: shownCredential(row.credentialMasked),
    settings: settings.success ? settings.data : defaultChannelSettings(row.kind),
    paused: row.status === "paused",
    connectedAt: row.connectedAt === null ? null : new Date(row.connectedAt).toISOString(),
  };
  if (row.kind === "email" && row.externalId && ctx.mailDomain)
    view.address = `${row.externalId}@${ctx.mailDomain}`;
  if (row.kind === "whatsapp" && ctx.webhook)
    view.webhook = {
      url: `${ctx.webhook.base}${channelWebhookPath("whatsapp", row.id)}`,
      verifyToken: ctx.webhook.verifyToken,
    };
  return view;
}

function shownCredential(masked: string | null): string | null {
  if (masked === null || masked === "") return null;
  return masked.includes(MASK_MARK) ? masked : maskSecret(masked);
}
