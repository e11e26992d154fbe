import type { IncomingMessage } from "node:http";
import type { Refusal } from "../http/request-checks.ts";

// The only calls an employee's OpenClaw makes to its model provider (`openai-completions`, in the
// image's openclaw 2026.9.6): every model turn is the OpenAI SDK's chat.completions.create, and
// OpenClaw preflights a provider on a private address (the relay is one) with GET <baseUrl>/models.
// Nothing else is relayed: the relay is not a proxy to the edge, only to these two paths of it.
export const RELAYED_ROUTES = [
  { method: "POST", path: "/v1/chat/completions" },
  { method: "GET", path: "/v1/models" },
] as const;

const RELAY_PREFIX = "/v1";

export interface RelayTarget {
  method: string;
  url: URL;
}

/** The gateway's URL for each relayed path, built once from the configuration and the list above:
 *  nothing in a request ever becomes part of an upstream URL. */
export function relayTargets(gatewayUrl: string): Map<string, RelayTarget> {
  const gateway = new URL(gatewayUrl);
  if (gateway.protocol !== "https:" && gateway.protocol !== "http:")
    throw new Error(`LLM_GATEWAY_URL must be http(s): ${gatewayUrl}`);
  if (gateway.username || gateway.password || gateway.search || gateway.hash)
    throw new Error(
      "LLM_GATEWAY_URL must be a plain origin and path, without credentials or query",
    );
  const base = `${gateway.origin}${gateway.pathname.replace(/\/+$/, "")}`;
  const targets = new Map<string, RelayTarget>();
  for (const route of RELAYED_ROUTES)
    targets.set(route.path, {
      method: route.method,
      url: new URL(`${base}${route.path.slice(RELAY_PREFIX.length)}`),
    });
  return targets;
}

const notFound: Refusal = {
  status: 404,
  code: "not_found",
  message: `Only ${RELAYED_ROUTES.map((r) => `${r.method} ${r.path}`).join(" and ")} are relayed.`,
};

/** The request target must be one of the relayed paths byte for byte: the strictest
 *  normalisation there is. Anything that would only become one after decoding or resolving
 *  (dot segments, %2e, %2f, backslashes, doubled slashes, absolute URLs) is a 404; a query string
 *  on a relayed path is a 400 (OpenClaw sends none) and another method a 405. */
export function matchRoute(
  req: IncomingMessage,
  targets: ReadonlyMap<string, RelayTarget>,
): RelayTarget | Refusal {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const target = targets.get(path);
  if (!target) return notFound;
  if (q >= 0)
    return { status: 400, code: "query_not_allowed", message: "Relayed paths take no query." };
  if (req.method !== target.method)
    return {
      status: 405,
      code: "method_not_allowed",
      message: `${path} is relayed for ${target.method} only.`,
    };
  // A body on a GET would be sent on unframed and read by the gateway as a request of its own.
  if (
    target.method === "GET" &&
    (req.headers["transfer-encoding"] || Number(req.headers["content-length"] ?? 0) > 0)
  )
    return { status: 400, code: "body_not_allowed", message: `${path} takes no body.` };
  return target;
}

export const isRefusal = (r: RelayTarget | Refusal): r is Refusal => "status" in r;
