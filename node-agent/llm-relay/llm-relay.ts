import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import https from "node:https";
import type { Logger } from "../logger.ts";

// Employees reach the edge's LLM gateway through this relay, on the node's own address on the
// employee network: their containers need no route to the edge's host name, and what they send
// is the employee's own gateway key, which the edge checks. The relay adds nothing and keeps
// nothing; it streams both ways so time to first token is the edge's.
export const RELAY_UPSTREAM_TIMEOUT_MS = 600_000;
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
]);

export interface LlmRelayOptions {
  host: string;
  port: number;
  /** The edge's gateway, e.g. https://api.instantworker.com/v1 */
  upstream: string;
  log: Logger;
}

export function startLlmRelay(opts: LlmRelayOptions): Promise<Server> {
  const upstream = new URL(opts.upstream.endsWith("/") ? opts.upstream : `${opts.upstream}/`);
  const client = upstream.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true });

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    if (!path.startsWith("/v1/")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "only /v1/ is relayed" } }));
      return;
    }
    const target = new URL(path.slice("/v1/".length), upstream);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const out = client.request(
      target,
      { method: req.method, headers, agent, timeout: RELAY_UPSTREAM_TIMEOUT_MS },
      (up) => {
        const back: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers))
          if (v !== undefined && !HOP_BY_HOP.has(k)) back[k] = v;
        res.writeHead(up.statusCode ?? 502, back);
        res.flushHeaders();
        up.pipe(res);
      },
    );
    out.on("timeout", () => out.destroy(new Error("upstream timeout")));
    out.on("error", (err) => {
      opts.log.warn({ err: err.message }, "llm relay: upstream failed");
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: {
              code: "gateway_unreachable",
              message: "The LLM gateway could not be reached.",
            },
          }),
        );
      } else res.destroy();
    });
    // The employee hung up: stop the upstream too, so the edge meters and stops the provider.
    res.on("close", () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}
