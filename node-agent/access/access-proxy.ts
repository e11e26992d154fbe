import { createServer, request, type Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AccessClaims,
  type AccessScope,
  verifyAccessToken,
} from "../../edge/protocol/access-token.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import { spliceUpgrade } from "./splice-upgrade.ts";

// OpenClaw's gateway (chat, Control UI) and noVNC (browser) inside each employee's container.
export const SERVICE_PORTS = { gw: 18789, vnc: 6080 } as const;
const SCOPE_OF: Record<keyof typeof SERVICE_PORTS, AccessScope> = { gw: "chat", vnc: "browser" };
export const ACCESS_COOKIE = "iw_access";
const HOST = /^([0-9a-f-]{36})\.(gw|vnc)\./;

type VerifyKey = Parameters<typeof verifyAccessToken>[0];

// OpenClaw (gateway.auth.mode "trusted-proxy") believes these headers from this proxy alone, so a
// client's own copies never pass: the proxy drops them and sets its own.
const FORWARDED_HEADERS = [
  "x-forwarded-user",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-real-ip",
  "forwarded",
  "x-openclaw-scopes",
];
// A browser on this node itself (local development, the tests) has only a loopback address, and
// OpenClaw refuses to attribute a proxied request to loopback (that could be any local process).
// Such a client is named by an address from the documentation range instead, which routes nowhere.
export const LOCAL_BROWSER_ADDRESS = "192.0.2.1";

const isLoopback = (a: string) =>
  a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
const plain = (a: string) => (a.startsWith("::ffff:") ? a.slice(7) : a);

// Who the client is: the TCP peer, or, when the peer is Caddy on this node (loopback), the
// address Caddy put last in X-Forwarded-For (Caddy overwrites what clients send).
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
): string {
  const p = plain(peer ?? "");
  if (p && !isLoopback(p)) return p;
  const last = String(forwardedFor ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last && !isLoopback(last) ? plain(last) : LOCAL_BROWSER_ADDRESS;
}

function identityHeaders(
  req: {
    headers: Record<string, string | string[] | undefined>;
    socket: { remoteAddress?: string };
  },
  claims: AccessClaims,
): Record<string, string> {
  const fromCaddy = isLoopback(plain(req.socket.remoteAddress ?? ""));
  const proto = String(req.headers["x-forwarded-proto"] ?? "");
  return {
    "x-forwarded-user": claims.u,
    "x-forwarded-for": clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    "x-forwarded-proto": fromCaddy && (proto === "https" || proto === "http") ? proto : "http",
    "x-forwarded-host": String(req.headers.host ?? ""),
  };
}

export interface AccessProxyOptions {
  port: number;
  host: string;
  key: VerifyKey;
  runtime: EmployeeRuntime;
  cookieMode: "same-site" | "cross-site";
  log: Logger;
}

// Behind Caddy's wildcard TLS: <employee>.gw.<domain> and <employee>.vnc.<domain>. A request is
// admitted only with a token the edge signed for exactly that employee and scope; the token is
// swapped for an HttpOnly cookie valid for that host alone and removed from the URL. The request
// then goes to that employee's container and nowhere else; everything else is 401.
export function startAccessProxy(opts: AccessProxyOptions): Promise<Server> {
  const admit = async (hostHeader: string | undefined, token: string | undefined) => {
    const m = HOST.exec(hostHeader ?? "");
    if (!m?.[1] || !m[2] || !token) return null;
    const service = m[2] as keyof typeof SERVICE_PORTS;
    const claims = await verifyAccessToken(opts.key, token);
    if (!claims || claims.e !== m[1] || claims.s !== SCOPE_OF[service]) return null;
    return { claims, service };
  };
  const cookieToken = (cookie: string | undefined) =>
    new RegExp(`(?:^|;\\s*)${ACCESS_COOKIE}=([^;]+)`).exec(cookie ?? "")?.[1];
  const withoutOurCookie = (cookie: string | undefined) =>
    cookie
      ?.split(/;\s*/)
      .filter((c) => !c.startsWith(`${ACCESS_COOKIE}=`))
      .join("; ");
  const denied = (res: {
    writeHead: (s: number, h: Record<string, string>) => void;
    end: (b: string) => void;
  }) => {
    res.writeHead(401, {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(
      "This link has expired or is not for this employee. Open the workspace again from your dashboard.",
    );
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    const fromUrl = url.searchParams.get("access") ?? undefined;
    const admitted = await admit(req.headers.host, fromUrl ?? cookieToken(req.headers.cookie));
    if (!admitted) return denied(res);
    if (fromUrl) {
      // Swap the token for a cookie on this host only, and take it out of the address bar.
      url.searchParams.delete("access");
      const maxAge = Math.max(1, Math.floor((admitted.claims.x - Date.now()) / 1000));
      res.writeHead(303, {
        location: `${url.pathname}${url.search}`,
        "set-cookie": `${ACCESS_COOKIE}=${fromUrl}; Path=/; HttpOnly; Max-Age=${maxAge}; Secure; ${
          opts.cookieMode === "cross-site" ? "SameSite=None; Partitioned" : "SameSite=Lax"
        }`,
        "cache-control": "no-store",
      });
      return res.end();
    }
    const target = await targetOf(admitted.claims, admitted.service);
    if (!target) {
      res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      return res.end("The employee is not reachable right now.");
    }
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      cookie: withoutOurCookie(req.headers.cookie),
    };
    for (const name of FORWARDED_HEADERS) delete headers[name];
    Object.assign(headers, identityHeaders(req, admitted.claims));
    const upstream = request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      opts.log.warn(
        { employeeId: admitted.claims.e, err: err.message },
        "access proxy upstream failed",
      );
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  // The Control UI's and noVNC's WebSockets: the cookie admits, then the sockets are spliced.
  server.on("upgrade", async (req, socket: Duplex, head) => {
    const admitted = await admit(req.headers.host, cookieToken(req.headers.cookie));
    const target = admitted ? await targetOf(admitted.claims, admitted.service) : null;
    if (!admitted || !target) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n");
      return;
    }
    // Our cookie stays here: the container never sees the access token.
    spliceUpgrade(
      req,
      socket,
      head,
      target,
      ["cookie", ...FORWARDED_HEADERS],
      identityHeaders(req, admitted.claims),
    );
  });

  const targetOf = (claims: AccessClaims, service: keyof typeof SERVICE_PORTS) =>
    opts.runtime.endpoint(claims.e, SERVICE_PORTS[service]);
  return new Promise((resolve) => server.listen(opts.port, opts.host, () => resolve(server)));
}
