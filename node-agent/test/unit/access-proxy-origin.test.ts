import { createServer, request, type Server } from "node:http";
import { type AddressInfo, connect, type Server as NetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_COOKIE } from "../../access/access-proxy.ts";
import { startLoopbackAccessProxy } from "./loopback-access-proxy.ts";

// The grant cookie rides along with a WebSocket any page opens, also one that another employee's
// container serves on a sibling host (same site): admitted by the cookie, a socket must come from
// a page of the host it asks. The app's browser view offers its grant as a subprotocol instead.

const employee = "0a000000-0000-4000-8000-00000000000a";
const host = `${employee}.vnc.example.test`;

let proxy: Server;
let upstream: NetServer;
let proxyPort = 0;
let upgrades = 0;
let posts = 0;
let token = "";

beforeAll(async () => {
  // The container's noVNC, as far as the handshake goes.
  upstream = createServer((req, res) => {
    posts += req.method === "POST" ? 1 : 0;
    res.end("ok");
  }).on("upgrade", (_req, socket) => {
    upgrades++;
    socket.end(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n",
    );
  });
  await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
  ({
    proxy,
    port: proxyPort,
    token,
  } = await startLoopbackAccessProxy({
    employee,
    upstreamPort: (upstream.address() as AddressInfo).port,
    scope: "browser",
  }));
});

afterAll(async () => {
  await new Promise((done) => proxy.close(done));
  await new Promise((done) => upstream.close(done));
});

function upgrade(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, "127.0.0.1", () => {
      const lines = Object.entries({
        host,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        ...headers,
      }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`GET /websockify HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
    });
    let answer = "";
    socket.on("data", (c: Buffer) => {
      answer += c.toString();
      if (answer.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(answer.split("\r\n", 1)[0] ?? "");
      }
    });
    socket.on("error", reject);
  });
}

function post(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: proxyPort,
        method: "POST",
        path: "/api/anything",
        headers: { host, "content-type": "text/plain", ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end("x");
  });
}

describe("the access proxy's changes admitted by the cookie", () => {
  it("come from a page of the host they ask, never from another host's", async () => {
    const cookie = `${ACCESS_COOKIE}=${token}`;
    const before = posts;
    expect(await post({ cookie, origin: `https://${host}` })).toBe(200);
    expect(await post({ cookie })).toBe(200);
    const sibling = "https://0b000000-0000-4000-8000-00000000000b.gw.example.test";
    expect(await post({ cookie, origin: sibling })).toBe(401);
    expect(posts).toBe(before + 2);
  });
});

describe("the access proxy's WebSockets admitted by the cookie", () => {
  it("come from a page of the host they ask, or from no page at all", async () => {
    const cookie = `${ACCESS_COOKIE}=${token}`;
    const before = upgrades;
    expect(await upgrade({ cookie, origin: `https://${host}` })).toMatch(/ 101 /);
    expect(await upgrade({ cookie })).toMatch(/ 101 /);
    expect(upgrades).toBe(before + 2);
  });

  it("refuses a page of another host, a sibling employee's included", async () => {
    const cookie = `${ACCESS_COOKIE}=${token}`;
    const before = upgrades;
    const sibling = "https://0b000000-0000-4000-8000-00000000000b.gw.example.test";
    expect(await upgrade({ cookie, origin: sibling })).toMatch(/ 401 /);
    expect(await upgrade({ cookie, origin: "null" })).toMatch(/ 401 /);
    expect(upgrades).toBe(before);
  });

  it("admits the app's grant offered as a subprotocol from the app's origin", async () => {
    const answer = await upgrade({
      origin: "https://app.example.test",
      "sec-websocket-protocol": `binary, iw-access.${token}`,
    });
    expect(answer).toMatch(/ 101 /);
  });
});
