import type { ChatRequest } from "./chat-request.ts";
import { CHARS_PER_TOKEN } from "./metered-stream.ts";

// Byte-level BPE tokenizers (OpenAI's, and most others) never make a token of less than one byte,
// so a prompt's UTF-8 size bounds its token count from above whatever its language or symbols;
// the JSON it is counted from (keys, quotes, braces) covers the few tokens a provider adds per
// message. What a provider adds once around messages and tools is this much more at most.
export const PROMPT_OVERHEAD_TOKENS = 256;
// An image is priced by its size in pixels, not by its URL or data: the most any model we may
// configure charges for one (gpt-4o-mini counts a high-detail image as up to ~48,000 tokens).
export const IMAGE_WORST_CASE_TOKENS = 50_000;
// What an image is estimated at when the provider's count never arrives (a client that left).
export const IMAGE_ESTIMATE_TOKENS = 1_000;

export interface PromptSize {
  /** Never below what the provider will count: what admission reserves. */
  worstCaseTokens: number;
  /** A typical count (~4 characters a token): what metering charges when the provider is silent. */
  estimatedTokens: number;
}

const IMAGE = { type: "image_url" };

// The whole prompt the provider reads: every message (text, tool calls and their arguments, tool
// results), the tools' JSON schemas, the tool choice and the response format.
export function promptSize(req: ChatRequest): PromptSize {
  let images = 0;
  const text = JSON.stringify(
    [req.messages, req.tools, req.tool_choice, req.response_format],
    (_key, value: unknown) => {
      if (isImagePart(value)) {
        images++;
        return IMAGE;
      }
      return value;
    },
  );
  return {
    worstCaseTokens: utf8Bytes(text) + PROMPT_OVERHEAD_TOKENS + images * IMAGE_WORST_CASE_TOKENS,
    estimatedTokens: Math.ceil(text.length / CHARS_PER_TOKEN) + images * IMAGE_ESTIMATE_TOKENS,
  };
}

function isImagePart(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "image_url" &&
    "image_url" in value
  );
}

// UTF-8 length without encoding the string (a prompt can be megabytes).
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate is half of a 4-byte character.
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n;
}
