import { createServer, request, type Server } from "node:http";
import { spliceUpgrade } from "../../node-agent/access/splice-upgrade.ts";

// One local origin for the whole product, as same-zone routes give in production: /api/*,
// /agent/*, /v1/* and the channels' webhooks /channels/* (HTTP and WebSocket upgrades) go to the
// edge Worker, and so does wrangler's local email handler (/cdn-cgi/handler/email?from=&to=, which
// hands a raw message to the Worker's email(), as Email Routing does); everything else to the app.
export interface Upstream {
  host: string;
  port: number;
}

const EDGE_PREFIXES = ["/api/", "/agent/", "/v1/", "/channels/"];
const EDGE_PATHS = ["/cdn-cgi/handler/email"];

/** Whether a request line's path is the edge Worker's (else the app's). */
export function isEdgePath(url: string): boolean {
  const pathname = url.split("?")[0] ?? "";
  return EDGE_PREFIXES.some((p) => pathname.startsWith(p)) || EDGE_PATHS.includes(pathname);
}

export function startDevProxy(opts: {
  port: number;
  edge: Upstream;
  app: Upstream;
}): Promise<Server> {
  const pick = (url = "/") => (isEdgePath(url) ? opts.edge : opts.app);
  const server = createServer((req, res) => {
    const to = pick(req.url);
    const upstream = request(
      { host: to.host, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders as unknown as Record<string, string>);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            code: "dev_upstream_down",
            message: `local upstream ${to.port}: ${err.message}`,
          },
        }),
      );
    });
    req.pipe(upstream);
  });
  // WebSockets (the live status socket, Vite's HMR): replay the upgrade request, then splice.
  server.on("upgrade", (req, socket, head) => {
    const to = pick(req.url);
    spliceUpgrade(req, socket, head, to);
  });
  return new Promise((resolve) => server.listen(opts.port, "127.0.0.1", () => resolve(server)));
}
