import { z } from "zod";
import { ChannelError, type ChannelErrorCode } from "../channel-error.ts";
import { parseJsonBytes, providerFetch } from "../channel-http.ts";

// The Bot API: `POST {base}/bot<token>/<method>` with JSON (or multipart for files), answered
// `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`.

export const TELEGRAM_API_URL = "https://api.telegram.org";
/** Longest text of one message (sendMessage's limit, in UTF-16 code units). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Longest caption of a file. */
export const TELEGRAM_CAPTION_LIMIT = 1024;

// `<bot id>:<secret>`; checked before it is put into a URL path.
const TOKEN_PATTERN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;

export interface TelegramBot {
  /** TELEGRAM_API_URL or a stand-in's. */
  apiUrl: string;
  token: string;
}

export function isTelegramToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

const Envelope = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error_code: z.number().int(),
    description: z.string().max(2000).default(""),
    parameters: z.object({ retry_after: z.number().int().optional() }).loose().optional(),
  }),
]);

function codeFor(status: number): ChannelErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 413) return "too_large";
  if (status >= 500) return "unavailable";
  return "invalid_request";
}

export function telegramUrl(bot: TelegramBot, path: string): string {
  return `${bot.apiUrl.replace(/\/+$/, "")}/${path}`;
}

/** Calls a Bot API method and returns its `result` checked against `schema`. */
export async function callTelegram<S extends z.ZodType>(
  bot: TelegramBot,
  method: string,
  params: Record<string, unknown> | FormData,
  schema: S,
): Promise<z.infer<S>> {
  if (!isTelegramToken(bot.token)) {
    throw new ChannelError({
      provider: "telegram",
      code: "unauthorized",
      providerCode: "malformed_token",
      message: "this is not a Telegram bot token (expected <bot id>:<secret> from @BotFather)",
    });
  }
  const init: RequestInit =
    params instanceof FormData
      ? { method: "POST", body: params }
      : {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(params),
        };
  const res = await providerFetch("telegram", telegramUrl(bot, `bot${bot.token}/${method}`), init);
  const envelope = Envelope.safeParse(parseJsonBytes(res.bytes));
  if (!envelope.success) {
    throw new ChannelError({
      provider: "telegram",
      code: res.status >= 500 ? "unavailable" : codeFor(res.status),
      providerCode: String(res.status),
      message: `Telegram answered ${method} with HTTP ${res.status} and no Bot API envelope`,
    });
  }
  if (!envelope.data.ok) {
    const { error_code, description, parameters } = envelope.data;
    throw new ChannelError({
      provider: "telegram",
      code: codeFor(error_code),
      providerCode: String(error_code),
      message: `Telegram ${method}: ${description.slice(0, 300)}`,
      retryAfterSeconds: parameters?.retry_after,
    });
  }
  const result = schema.safeParse(envelope.data.result);
  if (!result.success) {
    throw new ChannelError({
      provider: "telegram",
      code: "unavailable",
      providerCode: "unexpected_result",
      message: `Telegram answered ${method} with a result of an unexpected shape`,
    });
  }
  return result.data;
}
