// The access proxy against hostile browsers and hostile containers: requests that used to take the
// agent down, the 303 that must stay on its host, cookies a container sets, and WebSockets that
// must end with their grant or their employee. The runtime is a fake here so a test can report a
// container stopped while its socket stays open; access-proxy.test.ts runs against Docker.
import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import {
  type AccessClaims,
  importSigningKey,
  importVerifyKey,
  signAccessToken,
} from "../../edge/protocol/access-token.ts";
import { ACCESS_COOKIE, sameHostLocation, startAccessProxy } from "../access/access-proxy.ts";
import { createLogger } from "../logger.ts";
import { FakeRuntime } from "./fake-runtime.ts";
import { rawRequest } from "./raw-http.ts";

const EMPLOYEE = "0a0a0a0a-0000-4000-8000-00000000000a";
const OTHER = "0b0b0b0b-0000-4000-8000-00000000000b";
const HOSTILE = "0c0c0c0c-0000-4000-8000-00000000000c";
const BROKEN = "0d0d0d0d-0000-4000-8000-00000000000d";
const HOST = `${EMPLOYEE}.gw.localhost`;
const pair = generateKeyPairSync("ed25519");
const privateB64 = pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
const publicB64 = (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
  .subarray(12)
  .toString("base64");

const runtime = new FakeRuntime();
let employee: Server;
let hostile: ReturnType<typeof createTcpServer>;
let proxy: Server;
let port = 0;
// The headers of the last request and the last upgrade the container received.
let seen: { request?: IncomingHttpHeaders; upgrade?: IncomingHttpHeaders } = {};

const token = async (claims: Partial<AccessClaims> = {}) =>
  signAccessToken(await importSigningKey(privateB64), {
    e: EMPLOYEE,
    u: "user-1",
    s: "chat",
    x: Date.now() + 60_000,
    ...claims,
  });

const get = (target: string, extra = "", host = HOST) =>
  rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`);

async function grant(claims: Partial<AccessClaims> = {}, host = HOST): Promise<string> {
  const first = await get(`/?access=${await token(claims)}`, "", host);
  expect(first.status).toBe(303);
  const cookie = /\r\nset-cookie: ([^;\r\n]+)/i.exec(first.head)?.[1];
  if (!cookie) throw new Error(`no cookie in ${first.head}`);
  return cookie;
}

// The container's side: a page that sets cookies, and a WebSocket echo whose 101 sets some too.
const CONTAINER_COOKIES = [
  "ok=1; Path=/",
  `${ACCESS_COOKIE}=planted; Path=/; Secure`,
  "__host-IW_ACCESS=planted; Path=/; Secure",
  "iw_access=planted; Path=/",
  "__Secure-iw_access=planted; Secure",
  "wide=1; Domain=localhost; Path=/",
  "wide2=1; path=/; DOMAIN=.gw.localhost",
  "wide3=1; Path=/; domain",
];

beforeAll(async () => {
  employee = createServer((req, res) => {
    seen.request = req.headers;
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": CONTAINER_COOKIES });
    res.end("employee page");
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on("headers", (headers) => {
    for (const c of CONTAINER_COOKIES) headers.push(`Set-Cookie: ${c}`);
  });
  employee.on("upgrade", (req, socket, head) => {
    seen.upgrade = req.headers;
    wss.handleUpgrade(req, socket, head, (ws) => ws.on("message", (m) => ws.send(m)));
  });
  await new Promise<void>((r) => employee.listen(0, "127.0.0.1", r));
  const employeePort = (employee.address() as AddressInfo).port;
  // A container that answers with a status no HTTP server may send.
  hostile = createTcpServer((s) => {
    s.on("error", () => {});
    s.once("data", () => s.end("HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n"));
  });
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  runtime.endpoints.set(EMPLOYEE, { host: "127.0.0.1", port: employeePort });
  runtime.endpoints.set(OTHER, { host: "127.0.0.1", port: employeePort });
  runtime.endpoints.set(HOSTILE, {
    host: "127.0.0.1",
    port: (hostile.address() as AddressInfo).port,
  });
  const endpoint = runtime.endpoint.bind(runtime);
  runtime.endpoint = async (id: string) => {
    if (id === BROKEN) throw new Error("the engine went away");
    return endpoint(id);
  };
  proxy = await startAccessProxy({
    port: 0,
    host: "127.0.0.1",
    key: await importVerifyKey(publicB64),
    runtime,
    cookieMode: "same-site",
    log: createLogger("silent"),
  });
  port = (proxy.address() as AddressInfo).port;
});

afterAll(() => {
  proxy?.close();
  employee?.close();
  hostile?.close();
});

describe("the access proxy under hostile input", () => {
  it("answers requests that used to take the agent down, and keeps serving", async () => {
    const cookie = await grant();
    for (const target of ["http://[/", "http://[::1/x", "http://a:b@[/", "//[/"]) {
      const answer = await get(target, `Cookie: ${cookie}\r\n`);
      expect(answer.status, target).toBe(400);
      expect(answer.body).toContain('"bad_request_target"');
    }
    // A container that answers nonsense, and a runtime that throws, are one request's problem.
    const hostileCookie = await grant({ e: HOSTILE }, `${HOSTILE}.gw.localhost`);
    const odd = await get("/", `Cookie: ${hostileCookie}\r\n`, `${HOSTILE}.gw.localhost`);
    expect(odd.status).toBe(502);
    const brokenCookie = await grant({ e: BROKEN }, `${BROKEN}.gw.localhost`);
    const broken = await get("/", `Cookie: ${brokenCookie}\r\n`, `${BROKEN}.gw.localhost`);
    expect(broken.status).toBe(500);
    expect(broken.body).toContain('"internal_error"');
    // Clients that reset an upgrade while it is being admitted.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, "127.0.0.1", () => {
          s.write(
            `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}\r\n\r\n`,
          );
          s.resetAndDestroy();
          resolve();
        });
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await get("/page", `Cookie: ${cookie}\r\n`)).status).toBe(200);
  });

  it("gives OpenClaw the customer's scopes, never admin, whatever the client claims, on requests and upgrades", async () => {
    // Without the header OpenClaw grants a trusted-proxy HTTP request every operator scope,
    // operator.admin included; on an upgrade the header caps what the Control UI may be granted.
    const cookie = await grant();
    const claims = [
      "",
      "X-OpenClaw-Scopes: operator.admin\r\n",
      "x-openclaw-scopes: operator.admin,operator.pairing\r\nX-OPENCLAW-SCOPES: operator.admin\r\n",
      "x-openclaw-scopes:\r\n",
    ];
    for (const claim of claims) {
      seen = {};
      expect((await get("/page", `Cookie: ${cookie}\r\n${claim}`)).status).toBe(200);
      const upgraded = await rawRequest(
        port,
        `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}\r\n${claim}\r\n`,
        { timeoutMs: 300 },
      );
      expect(upgraded.status).toBe(101);
      for (const where of ["request", "upgrade"] as const)
        expect(seen[where]?.["x-openclaw-scopes"], `${where} after ${JSON.stringify(claim)}`).toBe(
          "operator.read,operator.write,operator.approvals",
        );
    }
  });

  it("keeps the 303 after the token swap on the same host, however the path is spelled", async () => {
    const t = await token();
    const paths = [
      "//evil.example",
      "//evil.example/x",
      "///evil.example",
      "/.//evil.example",
      "/./\\evil.example",
      "/%2e//evil.example",
      "/a/..//evil.example",
      "/a/%2e%2e//evil.example",
      "/\\evil.example",
      "/\\/evil.example",
      "/%5c%5cevil.example",
      "/%2f%2fevil.example",
      "/%2F/evil.example",
      "/%09/evil.example",
      "http://evil.example/",
      "http://evil.example//evil.example",
      "https:evil.example",
      "/.%2e//evil.example",
      "/x/.././/evil.example",
    ];
    for (const path of paths) {
      const answer = await get(`${path}${path.includes("?") ? "&" : "?"}access=${t}`);
      if (answer.status === 400) continue; // refused as a target
      expect(answer.status, `${path}: ${answer.head}`).toBe(303);
      const location = /\r\nlocation: ([^\r\n]*)/i.exec(answer.head)?.[1] ?? "";
      expect(new URL(location, `https://${HOST}/`).host, `${path} → ${location}`).toBe(HOST);
      expect(location, path).not.toMatch(/^[/\\]{2}|^[a-z]+:/i);
    }
    // The helper itself, for a URL whose path a parser already turned into "//host".
    const url = new URL("http://h/.//evil.example/x?y=1");
    expect(url.pathname).toBe("//evil.example/x");
    expect(new URL(sameHostLocation(url), "https://h/").host).toBe("h");
  });

  it("sets a __Host- cookie and lets no container cookie shadow or widen it", async () => {
    const first = await get(`/?access=${await token()}`);
    const setCookie = /\r\nset-cookie: ([^\r\n]+)/i.exec(first.head)?.[1] ?? "";
    expect(setCookie.startsWith(`${ACCESS_COOKIE}=v1.`)).toBe(true);
    expect(ACCESS_COOKIE.startsWith("__Host-")).toBe(true);
    expect(setCookie).toMatch(/; Path=\/;/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).not.toMatch(/domain/i);
    const cookie = setCookie.split(";")[0] ?? "";
    // The old cookie name admits nothing.
    expect(
      (await get("/page", `Cookie: iw_access=${cookie.split("=").slice(1).join("=")}\r\n`)).status,
    ).toBe(401);

    const page = await get("/page", `Cookie: ${cookie}\r\n`);
    expect(page.status).toBe(200);
    const passed = [...page.head.matchAll(/\r\nset-cookie: ([^\r\n]+)/gi)].map((m) => m[1]);
    expect(passed).toEqual(["ok=1; Path=/"]);

    // The WebSocket's 101 is filtered the same way.
    const answer = await rawRequest(
      port,
      `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}\r\n\r\n`,
      { timeoutMs: 1000, keepOpen: true },
    );
    expect(answer.status).toBe(101);
    const upgraded = [...answer.head.matchAll(/\r\nset-cookie: ([^\r\n]+)/gi)].map((m) => m[1]);
    expect(upgraded).toEqual(["ok=1; Path=/"]);
  });
});

function openSocket(cookie: string, host = HOST): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host, cookie } });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}
const closed = (ws: WebSocket) =>
  new Promise<number>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(Date.now());
    ws.once("close", () => resolve(Date.now()));
  });
const echo = (ws: WebSocket, text: string) =>
  new Promise<string>((resolve) => {
    ws.once("message", (m) => resolve(m.toString()));
    ws.send(text);
  });

describe("WebSockets through the access proxy", () => {
  it("end when the grant that admitted them expires", async () => {
    const expiresAt = Date.now() + 1500;
    const cookie = await grant({ x: expiresAt });
    const ws = await openSocket(cookie);
    expect(await echo(ws, "hello")).toBe("hello");
    const at = await Promise.race([
      closed(ws),
      new Promise<number>((r) => setTimeout(() => r(0), 4000)),
    ]);
    expect(at, "still open 2.5 s after the grant expired").toBeGreaterThan(0);
    expect(at).toBeGreaterThanOrEqual(expiresAt - 50);
  });

  it("end when the employee's container stops or is removed, and only that employee's", async () => {
    for (const type of ["stopped", "removed"] as const) {
      const mine = await openSocket(await grant());
      const theirs = await openSocket(
        await grant({ e: OTHER }, `${OTHER}.gw.localhost`),
        `${OTHER}.gw.localhost`,
      );
      expect(await echo(mine, "a")).toBe("a");
      const started = Date.now();
      runtime.emit(
        type === "stopped"
          ? { type, employeeId: EMPLOYEE, containerId: "c", exitCode: 0 }
          : { type, employeeId: EMPLOYEE, containerId: "c" },
      );
      const at = await Promise.race([
        closed(mine),
        new Promise<number>((r) => setTimeout(() => r(0), 2000)),
      ]);
      expect(at, `still open after "${type}"`).toBeGreaterThan(0);
      expect(at - started).toBeLessThan(1000);
      expect(await echo(theirs, "b")).toBe("b");
      theirs.close();
    }
  });
});
