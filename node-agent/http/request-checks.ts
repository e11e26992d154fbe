import type { IncomingMessage } from "node:http";

// What every server of the agent refuses before any handler sees a request. Node's parser already
// rejects raw control characters, unknown method tokens and malformed headers (they arrive as
// `clientError`); what it lets through and a proxy must not forward is checked here.

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export const MAX_TARGET_BYTES = 4096;
export const MAX_HEADER_COUNT = 100;

const refuse = (status: number, code: string, message: string): Refusal => ({
  status,
  code,
  message,
});

// Visible ASCII only: no spaces, control characters, DEL or bytes above 0x7e (Node hands those
// over as latin1 characters).
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
// A dot segment, raw or percent-encoded in any case: ".", "..", "%2e", ".%2E", "%2e%2e", …
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
// Encoded "/" or "\" would become separators in whatever decodes the path next.
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;

/** Origin-form only ("/path?query"), with nothing in the path that means something else once
 *  decoded or normalised. Absolute-form, authority-form, "*" and scheme-relative "//host" are
 *  refused, as are dot segments (raw or encoded), encoded separators and backslashes. */
export function checkRequestTarget(raw: string, maxBytes = MAX_TARGET_BYTES): Refusal | null {
  if (raw.length > maxBytes)
    return refuse(414, "target_too_long", `The request target is longer than ${maxBytes} bytes.`);
  if (!raw.startsWith("/") || raw.startsWith("//"))
    return refuse(400, "bad_request_target", "The request target must be a path (origin-form).");
  if (!VISIBLE_ASCII.test(raw) || raw.includes("\\"))
    return refuse(400, "bad_request_target", "The request target has characters it may not.");
  if (BAD_PERCENT.test(raw))
    return refuse(400, "bad_request_target", "The request target has bad percent-encoding.");
  const path = raw.split("?", 1)[0] ?? "";
  if (ENCODED_SEPARATOR.test(path) || path.split("/").some((s) => DOT_SEGMENT.test(s)))
    return refuse(
      400,
      "bad_request_target",
      "The request path must not climb or hide a separator.",
    );
  return null;
}

// A host name with an optional port: letters, digits, dots and hyphens. IP literals in brackets
// are refused (neither server is addressed that way).
const HOST = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$/;

/** Exactly one well-formed Host (when `required`; otherwise at most one), and not too many headers. */
export function checkHeaders(req: IncomingMessage, required: boolean): Refusal | null {
  if (req.rawHeaders.length / 2 > MAX_HEADER_COUNT)
    return refuse(431, "too_many_headers", `More than ${MAX_HEADER_COUNT} headers.`);
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]?.toLowerCase() === "host") hosts++;
  if (hosts > 1) return refuse(400, "bad_host", "More than one Host header.");
  if (hosts === 0) return required ? refuse(400, "bad_host", "The Host header is missing.") : null;
  const host = req.headers.host ?? "";
  const port = Number(host.split(":")[1] ?? "0");
  if (!HOST.test(host) || port > 65535)
    return refuse(400, "bad_host", "The Host header is malformed.");
  return null;
}
