import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { guardedServer, listen, sendError } from "../http/guarded-server.ts";
import { passedOnHeaders } from "../http/hop-by-hop.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeAddresses } from "./employee-addresses.ts";
import type { EmployeeKeys } from "./employee-keys.ts";
import { isRefusal, matchRoute, relayTargets } from "./relay-routes.ts";

// Employees reach the edge's LLM gateway through this relay, on the node's own address on the
// employee network. The relay names the caller by its source address on that network, attaches
// that employee's gateway key (which no container holds), and forwards exactly the paths OpenClaw
// uses (relay-routes.ts) to the configured gateway. It streams both ways, so time to first token
// is the edge's.
export const RELAY_UPSTREAM_TIMEOUT_MS = 600_000;
// Containers on the node's own bridge send a whole request in milliseconds.
export const RELAY_HEADERS_TIMEOUT_MS = 10_000;
export const RELAY_REQUEST_TIMEOUT_MS = 30_000;
// The edge's own limit for a chat body (edge/routes/llm-routes.ts MAX_CHAT_BODY_BYTES).
export const RELAY_MAX_BODY_BYTES = 4 * 1024 * 1024;

// What OpenClaw's OpenAI client sends that the gateway may use; everything else stays here: the
// container's own Authorization (replaced), cookies, forwarding headers, hop-by-hop headers.
const FORWARDED_REQUEST_HEADER =
  /^(?:content-type|content-length|accept|accept-encoding|accept-language|user-agent|idempotency-key|x-stainless-[a-z0-9-]+)$/;

export interface LlmRelayOptions {
  host: string;
  port: number;
  /** The edge's gateway, e.g. https://api.instantworker.com/v1 */
  upstream: string;
  addresses: Pick<EmployeeAddresses, "employeeAt">;
  keys: Pick<EmployeeKeys, "get">;
  log: Logger;
}

const json = (status: number, code: string, message: string) => ({ status, code, message });

export function startLlmRelay(opts: LlmRelayOptions): Promise<Server> {
  const targets = relayTargets(opts.upstream);
  const agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };

  const relay = async (req: IncomingMessage, res: ServerResponse, body: Readable) => {
    const target = matchRoute(req, targets);
    if (isRefusal(target)) return sendError(res, target); // already refused by admit
    let employeeId: string | null;
    try {
      employeeId = await opts.addresses.employeeAt(req.socket.remoteAddress);
    } catch (err) {
      opts.log.error({ err }, "llm relay: could not look up the caller");
      return sendError(
        res,
        json(503, "relay_unavailable", "The relay cannot tell who is calling."),
      );
    }
    const key = employeeId ? opts.keys.get(employeeId) : undefined;
    if (!employeeId || !key) {
      opts.log.warn(
        { remote: req.socket.remoteAddress, employeeId },
        "llm relay: refused a caller that is not a running employee with a key",
      );
      return sendError(
        res,
        json(403, "unknown_caller", "Only this node's employees use the relay."),
      );
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && FORWARDED_REQUEST_HEADER.test(k)) headers[k] = v;
    headers.authorization = `Bearer ${key}`;
    const client = target.url.protocol === "https:" ? https : http;
    const out = client.request(
      target.url,
      {
        method: target.method,
        headers,
        agent: target.url.protocol === "https:" ? agents.https : agents.http,
        timeout: RELAY_UPSTREAM_TIMEOUT_MS,
      },
      (up) => {
        // The gateway sets no cookie a container should keep.
        const { "set-cookie": _dropped, ...back } = passedOnHeaders(up.headers);
        const status = up.statusCode ?? 502;
        if (res.headersSent) return void up.destroy();
        try {
          res.writeHead(status >= 200 && status <= 599 ? status : 502, back);
        } catch (err) {
          // Headers Node will not send on: the gateway's answer is not passed on at all.
          up.destroy();
          return sendError(res, json(502, "bad_gateway_answer", String(err)));
        }
        res.flushHeaders();
        up.on("error", () => res.destroy());
        up.pipe(res);
      },
    );
    out.on("timeout", () => out.destroy(new Error("upstream timeout")));
    out.on("error", (err) => {
      opts.log.warn({ employeeId, err }, "llm relay: upstream failed");
      sendError(
        res,
        json(502, "gateway_unreachable", "The LLM gateway could not be reached."),
        false,
      );
    });
    // The employee hung up: stop the upstream too, so the edge meters and stops the provider.
    res.on("close", () => {
      if (!res.writableFinished) out.destroy();
    });
    body.on("error", () => out.destroy());
    body.pipe(out);
  };

  const server = guardedServer({
    name: "llm-relay",
    log: opts.log,
    headersTimeoutMs: RELAY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: RELAY_REQUEST_TIMEOUT_MS,
    maxBodyBytes: RELAY_MAX_BODY_BYTES,
    requireHost: false,
    admit: (req) => {
      const target = matchRoute(req, targets);
      return isRefusal(target) ? target : null;
    },
    onRequest: relay,
  });
  return listen(server, opts.port, opts.host);
}
