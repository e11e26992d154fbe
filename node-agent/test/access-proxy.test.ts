import { generateKeyPairSync } from "node:crypto";
import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AccessClaims,
  importSigningKey,
  importVerifyKey,
  signAccessToken,
} from "../../edge/protocol/access-token.ts";
import { ACCESS_COOKIE, SERVICE_PORTS, startAccessProxy } from "../access/access-proxy.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { removeTestEmployees, testDisksRoot } from "./docker-cli.ts";

const PREFIX = `a${process.pid}`;
// Access hosts carry a UUID; these are valid ones that the prefix still identifies for cleanup.
const employeeA = `${PREFIX.padEnd(8, "0").slice(0, 8)}-0000-4000-8000-00000000000a`;
const employeeB = `${PREFIX.padEnd(8, "0").slice(0, 8)}-0000-4000-8000-00000000000b`;
const pair = generateKeyPairSync("ed25519");
const privateB64 = pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
const publicB64 = (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
  .subarray(12)
  .toString("base64");
const runtime = new DockerRuntime({
  socketPath: "/var/run/docker.sock",
  image: process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1",
  memoryMb: 256,
  cpus: 0.5,
  pidsLimit: 64,
  disksRoot: testDisksRoot(PREFIX.padEnd(8, "0").slice(0, 8)),
  network: "instantworker-access-test",
  readyTimeoutMs: 30_000,
  teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
  log: createLogger("warn"),
});
let server: Server;
let port = 0;

const token = async (claims: Partial<AccessClaims> = {}) =>
  signAccessToken(await importSigningKey(privateB64), {
    e: employeeA,
    u: "user-1",
    s: "chat",
    x: Date.now() + 60_000,
    ...claims,
  });

function get(
  host: string,
  path: string,
  cookie?: string,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, headers: { host, ...(cookie ? { cookie } : {}) } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

// Until the container's web server answers a request of its own (directly, not through the proxy).
async function untilServing(employeeId: string, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const at = await runtime.endpoint(employeeId, port);
    const status =
      at &&
      (await new Promise<number>((resolve) => {
        const req = request({ host: at.host, port: at.port, path: "/" }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", () => resolve(0));
        req.end();
      }));
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${employeeId}:${port} does not serve (${status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await Promise.all(
    [employeeA, employeeB].map((employeeId) =>
      runtime.provision({
        employeeId,
        accountId: "user-1",
        name: "T",
        role: "researcher",
        tone: "concise",
        skills: [],
      }),
    ),
  );
  // Provision returns once the containers started; their web servers may still be coming up.
  // The test image serves only the gateway's port. (This probe's socket stays in Node's global
  // agent; the proxy must not reuse it: it dials each request afresh.)
  for (const employeeId of [employeeA, employeeB]) await untilServing(employeeId, SERVICE_PORTS.gw);
  server = await startAccessProxy({
    port: 0,
    host: "127.0.0.1",
    key: await importVerifyKey(publicB64),
    runtime,
    cookieMode: "same-site",
    log: createLogger("warn"),
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server?.close();
  removeTestEmployees(PREFIX.padEnd(8, "0").slice(0, 8));
});

describe("access proxy", () => {
  it("swaps a valid token for a host-only HttpOnly cookie, strips it from the URL, and serves that container", async () => {
    const host = `${employeeA}.gw.localhost`;
    const first = await get(host, `/?access=${await token()}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    const setCookie = String(first.headers["set-cookie"]);
    expect(setCookie).toMatch(new RegExp(`^${ACCESS_COOKIE}=v1\\.`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(setCookie).toMatch(/Secure; SameSite=Lax/);
    const cookie = setCookie.split(";")[0];
    const page = await get(host, "/", cookie);
    expect(page.status).toBe(200);
    expect(page.body).toContain("test employee");
  });

  it("answers 401 without a token, with another employee's, an expired one, or one for the other scope", async () => {
    const host = `${employeeA}.gw.localhost`;
    expect((await get(host, "/")).status).toBe(401);
    expect((await get(host, `/?access=${await token({ e: employeeB })}`)).status).toBe(401);
    expect((await get(host, `/?access=${await token({ x: Date.now() - 1 })}`)).status).toBe(401);
    expect((await get(host, `/?access=${await token({ s: "browser" })}`)).status).toBe(401);
    expect((await get(`${employeeA}.vnc.localhost`, `/?access=${await token()}`)).status).toBe(401);
    const forged = `${(await token()).slice(0, -4)}AAAA`;
    expect((await get(host, `/?access=${forged}`)).status).toBe(401);
    expect((await get("localhost", `/?access=${await token()}`)).status).toBe(401);
  });

  it("does not let a cookie for one employee's host open another's", async () => {
    const first = await get(`${employeeA}.gw.localhost`, `/?access=${await token()}`);
    const cookie = String(first.headers["set-cookie"]).split(";")[0];
    expect((await get(`${employeeB}.gw.localhost`, "/", cookie)).status).toBe(401);
  });
});

// A raw upgrade request; resolves with the first line the proxy or the container answers.
function upgrade(host: string, cookie?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${cookie ? `Cookie: ${cookie}\r\n` : ""}\r\n`,
      );
    });
    socket.once("data", (d) => {
      resolve(d.toString().split("\r\n")[0] ?? "");
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

describe("access proxy WebSockets", () => {
  it("refuses an upgrade without the cookie and passes one with it through to that container", async () => {
    const host = `${employeeA}.gw.localhost`;
    expect(await upgrade(host)).toMatch(/^HTTP\/1\.1 401/);
    const first = await get(host, `/?access=${await token()}`);
    const cookie = String(first.headers["set-cookie"]).split(";")[0];
    // The test image's web server does not speak WebSocket: any answer but our 401 is its own.
    const answer = await upgrade(host, cookie);
    expect(answer).toMatch(/^HTTP\/1\.[01] \d{3}/);
    expect(answer).not.toMatch(/ 401 /);
    expect(await upgrade(`${employeeB}.gw.localhost`, cookie)).toMatch(/^HTTP\/1\.1 401/);
  });
});
