import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../log/logger.ts";
import { upstreamUnavailable } from "./upstream.ts";

// The provider's refusals become our error shape: nothing of its body, headers or keys reaches
// the client but a short, sanitised sentence, enough for an agent to see what it got wrong (a
// prompt too long for the model, a malformed tool schema).
export const MAX_PROVIDER_MESSAGE_CHARS = 200;
// A refusal's body is read this far at most; the rest is not ours to buffer.
export const MAX_PROVIDER_ERROR_BYTES = 16 * 1024;

export async function providerRefusal(res: Response, log: Logger): Promise<ApiError> {
  const text = await readPrefix(res, MAX_PROVIDER_ERROR_BYTES);
  const detail = sanitiseProviderMessage(providerMessage(text));
  log.warn("the AI provider refused a request", { status: res.status, detail });
  // Our key, our model names, our account's limits: nothing the employee can change.
  if ([401, 402, 403, 404, 408, 409, 429].includes(res.status) || res.status < 400)
    return upstreamUnavailable();
  return new ApiError(
    400,
    "upstream_rejected",
    detail
      ? `The AI provider refused the request: ${detail}`
      : "The AI provider refused the request.",
  );
}

function providerMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === "string" ? message : "";
  } catch {
    return ""; // not the provider's JSON (a proxy's HTML page): nothing worth repeating
  }
}

// No control characters, links, keys, bearer tokens or long opaque strings; short.
export function sanitiseProviderMessage(message: string): string {
  const clean = message
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .replace(/\bhttps?:\/\/\S+/gi, "[link]")
    .replace(/\bbearer\s+\S+/gi, "[redacted]")
    .replace(/\b(?:sk|rk|pk|iwk|org|proj|key|sess)[-_][\w*.-]{3,}/gi, "[redacted]")
    .replace(/[\w-]{32,}/g, "[redacted]")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > MAX_PROVIDER_MESSAGE_CHARS
    ? `${clean.slice(0, MAX_PROVIDER_MESSAGE_CHARS - 1)}…`
    : clean;
}

async function readPrefix(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body that broke off: what arrived is enough
  } finally {
    reader.cancel().catch(() => {});
  }
  return text;
}
