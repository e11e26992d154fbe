import type { ChannelKind, ChannelStatus } from "../../../../edge/contract/channels.ts";
import { ApiFailure } from "../../../../edge/contract/client.ts";
import type { MessageKey } from "../../i18n/en.ts";
import type { Lang } from "../../i18n/i18n.tsx";
import { apiMessage } from "../../lib/messages.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The badge's colour per state: working, broken, held, waiting, nothing. */
export const STATUS_TONE: Record<ChannelStatus, string | undefined> = {
  connected: "success",
  failing: "danger",
  paused: "warning",
  pending: "accent",
  not_connected: undefined,
};

export const kindName = (kind: ChannelKind, t: T): string => t(`channel.kind.${kind}`);

/** The "answering shortly" delays offered (seconds); null is off. A value saved otherwise (the
 * API takes any 15–3600) is offered too, so the select never shows what is not saved. */
export const NOTICE_CHOICES: readonly (number | null)[] = [30, 60, 120, 300, 900, 3600, null];

export function noticeLabel(seconds: number | null, t: T): string {
  if (seconds === null) return t("channels.notice.off");
  if (seconds === 3600) return t("channels.notice.hour");
  if (seconds === 60) return t("channels.notice.minute");
  if (seconds % 60 === 0) return t("channels.notice.minutes", { n: seconds / 60 });
  return t("channels.notice.seconds", { n: seconds });
}

/**
 * A failed action in words; a provider's refusal also with its own words (`fields.reason`), and
 * for English readers what the edge said about each field it refused ("Paste it without spaces.").
 */
export function channelError(err: unknown, t: T, lang: Lang): string[] {
  const lines = [apiMessage(err, t, lang)];
  if (!(err instanceof ApiFailure) || !err.fields) return lines;
  const { reason, ...fields } = err.fields;
  if (reason) lines.push(t("channels.reason", { reason }));
  if (lang === "en" && err.code === "invalid_input") lines.push(...Object.values(fields));
  return lines;
}
