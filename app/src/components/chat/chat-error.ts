import { CHAT_ERROR_CODES, type ChatErrorCode } from "../../../../edge/contract/chat.ts";
import type { MessageKey } from "../../i18n/en.ts";
import type { Lang } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { apiMessage } from "../../lib/messages.ts";
import "../../i18n/workspace-texts.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

const isChatError = (code: string): code is ChatErrorCode =>
  (CHAT_ERROR_CODES as readonly string[]).includes(code);

// A failed message's error in our words: an answer's (CHAT_ERROR_CODES), or the API's when the
// message itself was refused (rate limited, the trial over, the network down).
export function chatErrorText(
  error: { code: string; message: string },
  name: string,
  t: T,
  lang: Lang,
): string {
  if (isChatError(error.code)) return t(`chat.error.${error.code}`, { name });
  return apiMessage(new ApiFailure(0, error.code as ApiFailure["code"], error.message), t, lang);
}
