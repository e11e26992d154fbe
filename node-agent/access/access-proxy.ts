import { type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { Duplex, Readable } from "node:stream";
import { PAGE_PATH } from "../../edge/contract/browser-view.ts";
import {
  type AccessClaims,
  type AccessScope,
  verifyAccessToken,
} from "../../edge/protocol/access-token.ts";
import { guardedServer, listen, sendError, writeRawError } from "../http/guarded-server.ts";
import { passedOnHeaders } from "../http/hop-by-hop.ts";
import { checkRequestTarget, type Refusal } from "../http/request-checks.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import {
  allowedSetCookie,
  type CookieMode,
  grantCookie,
  grantFromCookie,
  withoutGrant,
} from "./access-cookie.ts";
import { FORWARDED_HEADERS, identityHeaders } from "./forwarded-identity.ts";
import { grantFromBearer, grantFromProtocols, protocolsWithoutGrant } from "./grant-protocol.ts";
import { LiveSockets } from "./live-sockets.ts";
import { answerPagePreflight, PAGE_INFO_PORT, refusePage, servePage } from "./page-route.ts";
import { spliceUpgrade } from "./splice-upgrade.ts";

export { ACCESS_COOKIE } from "./access-cookie.ts";
export { clientAddress, LOCAL_BROWSER_ADDRESS } from "./forwarded-identity.ts";

// OpenClaw's gateway (chat, Control UI) and noVNC (browser) inside each employee's container.
export const SERVICE_PORTS = { gw: 18789, vnc: 6080 } as const;
const SCOPE_OF: Record<keyof typeof SERVICE_PORTS, AccessScope> = { gw: "chat", vnc: "browser" };
const HOST = /^([0-9a-f-]{36})\.(gw|vnc)\./;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const ACCESS_HEADERS_TIMEOUT_MS = 10_000;
// Bodies here are small (the Control UI's chat and uploads travel over its WebSocket).
export const ACCESS_REQUEST_TIMEOUT_MS = 30_000;
export const ACCESS_MAX_BODY_BYTES = 16 * 1024 * 1024;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// A connection the container closed or refused before any answer: a bodiless GET/HEAD is asked
// once more after a moment.
const DROPPED = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE"]);
const RETRY_DELAY_MS = 250;
// Headers that belong to one connection, not to the request or answer passed on. A request's
// Transfer-Encoding stays: Node frames the forwarded body by it (a body without framing would run
// into the next request on a kept-alive connection).
const REQUEST_HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "upgrade",
  "te",
  "trailer",
]);

type VerifyKey = Parameters<typeof verifyAccessToken>[0];

export interface AccessProxyOptions {
  port: number;
  host: string;
  key: VerifyKey;
  runtime: EmployeeRuntime;
  cookieMode: CookieMode;
  log: Logger;
}

/** Where the 303 after swapping the token goes: this host, always. A path that a browser would
 *  read as another host ("//evil", "/\evil") keeps one leading slash. */
export function sameHostLocation(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, "")}${url.search}`;
}

const badMethod: Refusal = {
  status: 405,
  code: "method_not_allowed",
  message: "This method is not served here.",
};

/** A request without an Origin (not a browser's), or from a page of the host it asks. */
export function fromThisHost(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host?.toLowerCase();
  } catch {
    return false;
  }
}

function denied(res: ServerResponse): void {
  res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(
    "This link has expired or is not for this employee. Open the workspace again from your dashboard.",
  );
}

// Behind Caddy's wildcard TLS: <employee>.gw.<domain> and <employee>.vnc.<domain>. A request is
// admitted only with a token the edge signed for exactly that employee and scope; the token is
// swapped for a __Host- cookie valid for that host alone and removed from the URL. The request
// then goes to that employee's container and nowhere else; everything else is 401. The app's own
// browser view holds no cookie here: its WebSocket offers the token as a subprotocol, and its
// page requests (/__iw/page) carry it as a bearer token.
export function startAccessProxy(opts: AccessProxyOptions): Promise<Server> {
  const live = new LiveSockets(opts.runtime, opts.log);
  const admitGrant = async (hostHeader: string | undefined, token: string | undefined) => {
    const m = HOST.exec(hostHeader ?? "");
    if (!m?.[1] || !m[2] || !token) return null;
    const service = m[2] as keyof typeof SERVICE_PORTS;
    const claims = await verifyAccessToken(opts.key, token);
    if (!claims || claims.e !== m[1] || claims.s !== SCOPE_OF[service] || !USER_ID.test(claims.u))
      return null;
    return { claims, service };
  };
  const targetOf = (claims: AccessClaims, service: keyof typeof SERVICE_PORTS) =>
    opts.runtime.endpoint(claims.e, SERVICE_PORTS[service]);

  const onRequest = async (req: IncomingMessage, res: ServerResponse, body: Readable) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    if (url.pathname === PAGE_PATH && HOST.exec(req.headers.host ?? "")?.[2] === "vnc") {
      if (req.method === "OPTIONS") return answerPagePreflight(res);
      const grant = grantFromBearer(req.headers.authorization);
      const page = await admitGrant(req.headers.host, grant ?? grantFromCookie(req.headers.cookie));
      if (!page) return refusePage(res);
      return servePage(res, await opts.runtime.endpoint(page.claims.e, PAGE_INFO_PORT));
    }
    const fromUrl = url.searchParams.get("access") ?? undefined;
    // A page of another host may send the cookie along (a form, a fetch): it may read nothing,
    // and change nothing either (SAFE_METHODS aside, the cookie admits this host's pages only).
    const cookieMayAdmit = SAFE_METHODS.has(req.method ?? "") || fromThisHost(req);
    const admitted = await admitGrant(
      req.headers.host,
      fromUrl ?? (cookieMayAdmit ? grantFromCookie(req.headers.cookie) : undefined),
    );
    if (!admitted) return denied(res);
    if (fromUrl) {
      // Swap the token for a cookie on this host only, and take it out of the address bar.
      url.searchParams.delete("access");
      const maxAge = Math.max(1, Math.floor((admitted.claims.x - Date.now()) / 1000));
      res.writeHead(303, {
        location: sameHostLocation(url),
        "set-cookie": grantCookie(fromUrl, maxAge, opts.cookieMode),
        "cache-control": "no-store",
      });
      return void res.end();
    }
    const target = await targetOf(admitted.claims, admitted.service);
    if (!target) {
      res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("The employee is not reachable right now.");
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !FORWARDED_HEADERS.includes(k) && !REQUEST_HOP_BY_HOP.has(k))
        headers[k] = v;
    const cookie = withoutGrant(req.headers.cookie);
    if (cookie) headers.cookie = cookie;
    else delete headers.cookie;
    Object.assign(headers, identityHeaders(req, admitted.claims));
    // A GET or HEAD without a body that the container dropped before answering is asked once
    // more, as browsers and proxies do: its server may be restarting (OpenClaw restarts its
    // gateway for a new autonomy) or not quite up, and the customer would see a 502 for nothing.
    const retryable =
      (req.method === "GET" || req.method === "HEAD") &&
      req.headers["content-length"] === undefined &&
      req.headers["transfer-encoding"] === undefined;
    let current: ReturnType<typeof request> | undefined;
    res.on("close", () => {
      if (!res.writableFinished) current?.destroy();
    });
    const forward = (to: { host: string; port: number }, attempt: number) => {
      // A connection of its own each time (agent: false): Node's global agent keeps sockets alive
      // by address, and a container's address is given to the next container once it is gone, so
      // a pooled socket could be reused toward an address that now names another container (it
      // was hung up on: a 502 seen in CI).
      const upstream = request(
        {
          host: to.host,
          port: to.port,
          method: req.method,
          path: req.url,
          headers,
          agent: false,
        },
        (up) => {
          const back = passedOnHeaders(up.headers);
          const cookies = up.headers["set-cookie"]?.filter(allowedSetCookie);
          if (cookies?.length) back["set-cookie"] = cookies;
          else delete back["set-cookie"];
          const status = up.statusCode ?? 502;
          if (res.headersSent) return void up.destroy();
          try {
            res.writeHead(status >= 200 && status <= 599 ? status : 502, back);
          } catch {
            // Headers Node will not send on: the container's answer is not passed on at all.
            up.destroy();
            return sendError(res, {
              status: 502,
              code: "bad_employee_answer",
              message: "The employee answered with headers that cannot be passed on.",
            });
          }
          up.on("error", () => res.destroy());
          up.pipe(res);
        },
      );
      current = upstream;
      upstream.on("error", (err: NodeJS.ErrnoException) => {
        if (retryable && attempt === 1 && !res.headersSent && DROPPED.has(err.code ?? "")) {
          setTimeout(async () => {
            if (res.destroyed) return;
            const again = await targetOf(admitted.claims, admitted.service).catch(() => null);
            if (again && !res.destroyed) return forward(again, 2);
            unreachable(err);
          }, RETRY_DELAY_MS);
          return;
        }
        unreachable(err);
      });
      if (attempt > 1) return void upstream.end();
      body.on("error", () => upstream.destroy());
      body.pipe(upstream);
    };
    const unreachable = (err: unknown) => {
      opts.log.warn({ employeeId: admitted.claims.e, err }, "access proxy upstream failed");
      sendError(
        res,
        {
          status: 502,
          code: "employee_unreachable",
          message: "The employee is not reachable right now.",
        },
        false,
      );
    };
    forward(target, 1);
  };

  // The Control UI's and noVNC's WebSockets: the cookie (or the browser view's subprotocol)
  // admits, then the sockets are spliced until the grant expires or the employee stops.
  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (String(req.headers.upgrade ?? "").toLowerCase() !== "websocket")
      return writeRawError(socket, {
        status: 400,
        code: "bad_upgrade",
        message: "Only WebSocket upgrades are served here.",
      });
    const offered = req.headers["sec-websocket-protocol"];
    // The cookie rides along with a WebSocket that any page opens, among them one a container
    // serves on a sibling host (<other employee>.gw.<domain> is the same site): admitted by the
    // cookie, a socket must come from a page of this host. The grant offered as a subprotocol is
    // the app's own, never sent on its own.
    const admitted = await admitGrant(
      req.headers.host,
      grantFromProtocols(offered) ??
        (fromThisHost(req) ? grantFromCookie(req.headers.cookie) : undefined),
    );
    const target = admitted ? await targetOf(admitted.claims, admitted.service) : null;
    if (!admitted || !target) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    let release = () => {};
    // Cookies and the grant's subprotocol stay here: the container never sees the access token.
    const protocols = protocolsWithoutGrant(offered);
    const close = spliceUpgrade(req, socket, head, target, {
      drop: ["cookie", "sec-websocket-protocol", ...FORWARDED_HEADERS],
      add: {
        ...identityHeaders(req, admitted.claims),
        ...(protocols ? { "sec-websocket-protocol": protocols } : {}),
      },
      keepResponseHeader: (name, value) => name !== "set-cookie" || allowedSetCookie(value),
      onClose: () => release(),
    });
    release = live.add(admitted.claims.e, admitted.claims.x, close);
  };

  const server = guardedServer({
    name: "access-proxy",
    log: opts.log,
    headersTimeoutMs: ACCESS_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: ACCESS_REQUEST_TIMEOUT_MS,
    maxBodyBytes: ACCESS_MAX_BODY_BYTES,
    requireHost: true,
    admit: (req) =>
      checkRequestTarget(req.url ?? "") ?? (METHODS.has(req.method ?? "") ? null : badMethod),
    onRequest,
    onUpgrade,
  });
  server.on("close", () => live.close());
  return listen(server, opts.port, opts.host);
}
