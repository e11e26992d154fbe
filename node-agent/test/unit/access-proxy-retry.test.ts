import { request, type Server } from "node:http";
import { type AddressInfo, createServer, type Server as NetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_COOKIE } from "../../access/access-proxy.ts";
import { startLoopbackAccessProxy } from "./loopback-access-proxy.ts";

// A container's server may drop a connection before answering (OpenClaw restarting its gateway,
// a server not quite up; seen in CI as a 502 at the first request). The access proxy asks a
// bodiless GET or HEAD once more; anything with a body (a POST) is never sent twice: 502.

const employee = "0b000000-0000-4000-8000-00000000000b";
const host = `${employee}.gw.example.test`;

let proxy: Server;
let upstream: NetServer;
let proxyPort = 0;
let cookie = "";
// How many connections the container's server drops before it answers, and what it saw.
let drops = 0;
const seen: string[] = [];

beforeAll(async () => {
  upstream = createServer((socket) => {
    socket.once("data", (chunk: Buffer) => {
      seen.push(chunk.toString().split("\r\n", 1)[0] ?? "");
      if (drops > 0) {
        drops--;
        return void socket.destroy(); // closed without an answer: "socket hang up"
      }
      socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    });
  });
  await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
  let token: string;
  ({
    proxy,
    port: proxyPort,
    token,
  } = await startLoopbackAccessProxy({
    employee,
    upstreamPort: (upstream.address() as AddressInfo).port,
    scope: "chat",
  }));
  cookie = `${ACCESS_COOKIE}=${token}`;
});

afterAll(async () => {
  await new Promise((done) => proxy.close(done));
  await new Promise((done) => upstream.close(done));
});

function ask(method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: proxyPort,
        method,
        path: "/chat",
        headers: { host, cookie, origin: `https://${host}` },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("a connection the container drops before answering", () => {
  it("is asked once more for a GET, and the answer comes through", async () => {
    seen.length = 0;
    drops = 1;
    const r = await ask("GET");
    expect(r).toEqual({ status: 200, text: "ok" });
    expect(seen).toEqual(["GET /chat HTTP/1.1", "GET /chat HTTP/1.1"]);
  });

  it("is a 502 when the second try is dropped too (never a third)", async () => {
    seen.length = 0;
    drops = 2;
    const r = await ask("GET");
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: "employee_unreachable" } });
    expect(seen).toHaveLength(2);
    drops = 0;
  });

  it("is never sent twice when it has a body: a POST is a 502 at once", async () => {
    seen.length = 0;
    drops = 1;
    const r = await ask("POST", "x");
    expect(r.status).toBe(502);
    expect(seen).toEqual(["POST /chat HTTP/1.1"]);
    drops = 0;
  });
});
