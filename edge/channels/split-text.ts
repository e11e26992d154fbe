import { isHighSurrogate } from "./channel-message.ts";

/**
 * Splits text into parts of at most `limit` UTF-16 code units (how Telegram, Slack and WhatsApp
 * count), preferring a paragraph break, then a line break, then a space in the second half of a
 * part, and never splitting a surrogate pair. Whitespace at the cut is dropped.
 */
export function splitText(text: string, limit: number): string[] {
  if (limit < 2) throw new RangeError("limit must be at least 2");
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const sep of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(sep);
      if (at >= limit / 2) {
        cut = at;
        break;
      }
    }
    if (cut === -1) cut = isHighSurrogate(rest.charCodeAt(limit - 1)) ? limit - 1 : limit;
    const part = rest.slice(0, cut).trimEnd();
    if (part !== "") parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== "") parts.push(rest);
  return parts;
}
