import type { IncomingHttpHeaders } from "node:http";

// Headers that belong to one connection, not to the answer a proxy passes on (RFC 9110 §7.6.1,
// plus the older names Node and browsers still send). Shared by the access proxy and the relay.
const RESPONSE_HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

/** An upstream answer's headers as a proxy may pass them on: without the hop-by-hop ones. */
export function passedOnHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const back: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined && !RESPONSE_HOP_BY_HOP.has(k)) back[k] = v;
  return back;
}
