import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import { ATTACHMENT_DOWNLOAD_TIMEOUT_MS, providerFetch } from "../channel-http.ts";
import { MAX_ATTACHMENT_BYTES } from "../channel-message.ts";
import { callTelegram, type TelegramBot, telegramUrl } from "./telegram-api.ts";

const File = z
  .object({
    file_id: z.string(),
    file_size: z.number().int().nonnegative().optional(),
    file_path: z.string().optional(),
  })
  .loose();

// Telegram's file paths look like `documents/file_12.pdf`; anything else is not put in a URL.
const FILE_PATH_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * An attachment reference's bytes: getFile names the path, then the file is downloaded from
 * `{base}/file/bot<token>/<path>` at the edge (that URL holds the token, so it never leaves).
 */
export async function fetchTelegramFile(
  bot: TelegramBot,
  fileId: string,
  maxBytes = MAX_ATTACHMENT_BYTES,
): Promise<Uint8Array> {
  const file = await callTelegram(bot, "getFile", { file_id: fileId }, File);
  if (file.file_size !== undefined && file.file_size > maxBytes) throw tooLarge(maxBytes);
  if (!file.file_path || !FILE_PATH_PATTERN.test(file.file_path) || file.file_path.includes("..")) {
    throw new ChannelError({
      provider: "telegram",
      code: "not_found",
      providerCode: "no_file_path",
      message: "Telegram gave no downloadable path for this file",
    });
  }
  const res = await providerFetch(
    "telegram",
    telegramUrl(bot, `file/bot${bot.token}/${file.file_path}`),
    { method: "GET" },
    { timeoutMs: ATTACHMENT_DOWNLOAD_TIMEOUT_MS, maxBytes },
  ).catch((err: unknown) => {
    throw err instanceof ChannelError && err.code === "too_large" ? tooLarge(maxBytes) : err;
  });
  if (res.status !== 200) {
    throw new ChannelError({
      provider: "telegram",
      code: res.status === 404 ? "not_found" : res.status >= 500 ? "unavailable" : "unauthorized",
      providerCode: String(res.status),
      message: `Telegram answered the file download with HTTP ${res.status}`,
    });
  }
  return res.bytes;
}

const tooLarge = (maxBytes: number) =>
  new ChannelError({
    provider: "telegram",
    code: "too_large",
    providerCode: "file_too_large",
    message: `the file is larger than ${maxBytes} bytes`,
  });
