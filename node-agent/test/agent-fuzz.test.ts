// The real agent process (node node-agent/main.ts, process runtime) under thousands of generated
// hostile inputs: raw requests over TCP at the access proxy and the LLM relay, slow clients that
// must be cut off by the named timeouts, and malformed frames from a loopback edge at the hub
// connection. Afterwards it must be alive, must never have needed its last-resort handler, must
// still serve correct requests, and the gateway must have seen only the relayed paths.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { importSigningKey, signAccessToken } from "../../edge/protocol/access-token.ts";
import { MAX_FRAME_BYTES } from "../../edge/protocol/frames.ts";
import { ACCESS_HEADERS_TIMEOUT_MS, ACCESS_REQUEST_TIMEOUT_MS } from "../access/access-proxy.ts";
import { TIMEOUT_CHECK_INTERVAL_MS } from "../http/guarded-server.ts";
import { RELAY_HEADERS_TIMEOUT_MS, RELAY_REQUEST_TIMEOUT_MS } from "../llm-relay/llm-relay.ts";
import { appFrames, protocolViolations } from "./fuzz-frames.ts";
import { httpRequests, prng } from "./fuzz-requests.ts";
import { fuzz, SLOW_CLIENTS, slowClients } from "./fuzz-senders.ts";
import { type Recorded, rawRequest, recordingServer } from "./raw-http.ts";

const agentMain = path.resolve(import.meta.dirname, "../main.ts");
const REQUESTS_PER_SERVER = 3000;
const FRAMES = 3000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const KEY = "iwk_fuzzed_employee_key_000000000000000";
const EMPLOYEE = randomUUID();

const dir = mkdtempSync(path.join(tmpdir(), "iw-agent-fuzz-"));
const pair = generateKeyPairSync("ed25519");
const signingKey = pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
const verifyKey = (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
  .subarray(12)
  .toString("base64");

interface EdgeSide {
  ws: WebSocket;
  socket: Socket;
  frames: { type: string; id?: string; ok?: boolean }[];
  closed: boolean;
}
let edge: Server;
const connections: EdgeSide[] = [];
let gateway: { server: Server; port: number; seen: Recorded[] };
let agent: ChildProcess;
const agentLogs: string[] = [];
let proxyPort = 0;
let relayPort = 0;
let employeeAddress = "";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}; agent said:\n${agentLogs.slice(-15).join("\n")}`);
    await sleep(20);
  }
}

/** The agent's current connection, welcomed. */
async function welcomed(after: number): Promise<EdgeSide> {
  const c = await until("the agent did not dial the edge", () =>
    connections.slice(after).find((x) => !x.closed && x.frames.some((f) => f.type === "hello")),
  );
  c.ws.send(
    JSON.stringify({ type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs: 10_000 }),
  );
  return c;
}

async function command(c: EdgeSide, frame: Record<string, unknown>, timeoutMs = 15_000) {
  c.ws.send(JSON.stringify(frame));
  return until(
    `no result for ${String(frame.id)}`,
    () => c.frames.find((f) => f.type === "result" && f.id === frame.id),
    timeoutMs,
  );
}

const grantToken = async () =>
  signAccessToken(await importSigningKey(signingKey), {
    e: EMPLOYEE,
    u: "user-1",
    s: "chat",
    x: Date.now() + 10 * 60_000,
  });
const PROXY_HOST = `${EMPLOYEE}.gw.localhost`;

beforeAll(async () => {
  gateway = await recordingServer((r) =>
    r.url === "/v1/models" ? { status: 200, body: '{"object":"list","data":[]}' } : undefined,
  );
  const wss = new WebSocketServer({ noServer: true });
  edge = createServer((_req, res) => res.writeHead(404).end());
  edge.on("upgrade", (req, socket, head) => {
    if (req.url !== "/agent/connect") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const side: EdgeSide = { ws, socket: socket as Socket, frames: [], closed: false };
      connections.push(side);
      ws.on("message", (m) => {
        try {
          side.frames.push(JSON.parse(m.toString()));
        } catch {
          // only JSON is expected from the agent
        }
      });
      ws.on("close", () => {
        side.closed = true;
      });
      ws.on("error", () => {});
    });
  });
  await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
  proxyPort = await freePort();
  relayPort = await freePort();
  agent = spawn(process.execPath, [agentMain], {
    env: {
      PATH: process.env.PATH,
      EDGE_URL: `http://127.0.0.1:${(edge.address() as AddressInfo).port}`,
      NODE_TOKEN: "iwn_fuzz_token_00000000000000000000",
      RUNTIME: "process",
      PROCESS_WORKDIR: path.join(dir, "work"),
      STATE_DIR: path.join(dir, "state"),
      ACCESS_VERIFY_KEY: verifyKey,
      ACCESS_PROXY_HOST: "127.0.0.1",
      ACCESS_PROXY_PORT: String(proxyPort),
      LLM_RELAY_PORT: String(relayPort),
      LLM_GATEWAY_URL: `http://127.0.0.1:${gateway.port}/v1`,
      CAPACITY_SLOTS: "2",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => agentLogs.push(...b.toString().split("\n").filter(Boolean));
  agent.stdout?.on("data", keep);
  agent.stderr?.on("data", keep);
  await until("the agent did not start", () =>
    agentLogs.some((l) => l.includes("node agent started")),
  );
  const c = await welcomed(0);
  const provisioned = await command(c, {
    type: "container.provision",
    id: "p1",
    employeeId: EMPLOYEE,
    spec: {
      employeeId: EMPLOYEE,
      accountId: "user-1",
      name: "Fuzzy",
      role: "researcher",
      tone: "concise",
      skills: [],
      llm: { baseUrl: "http://edge.invalid/v1", apiKey: KEY },
    },
  });
  expect(provisioned.ok).toBe(true);
  const stored = JSON.parse(
    readFileSync(path.join(dir, "work/instantworker-process-runtime", `${EMPLOYEE}.json`), "utf8"),
  ) as { address: string };
  employeeAddress = stored.address;
}, 60_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    await new Promise<void>((resolve) => {
      agent.once("exit", () => resolve());
      agent.kill("SIGTERM");
    });
  }
  // The process employee outlives the agent by design; end it by its recorded pid.
  try {
    const { pid } = JSON.parse(
      readFileSync(
        path.join(dir, "work/instantworker-process-runtime", `${EMPLOYEE}.json`),
        "utf8",
      ),
    ) as { pid: number | null };
    if (pid) process.kill(pid, "SIGTERM");
  } catch {
    // never started
  }
  edge?.close();
  gateway?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Correct requests to every server, answered correctly. */
async function servesCorrectly(): Promise<void> {
  expect(agent.exitCode, "the agent exited").toBeNull();
  const before = gateway.seen.length;
  const body = '{"model":"auto","messages":[{"role":"user","content":"hi"}]}';
  const chat = await rawRequest(
    relayPort,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${relayPort}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nAuthorization: Bearer sk-container\r\n\r\n${body}`,
    { localAddress: employeeAddress },
  );
  expect(chat.status).toBe(200);
  const models = await rawRequest(relayPort, "GET /v1/models HTTP/1.1\r\nHost: r\r\n\r\n", {
    localAddress: employeeAddress,
  });
  expect(models.status).toBe(200);
  expect(gateway.seen.slice(before).map((r) => [r.method, r.url, r.headers.authorization])).toEqual(
    [
      ["POST", "/v1/chat/completions", `Bearer ${KEY}`],
      ["GET", "/v1/models", `Bearer ${KEY}`],
    ],
  );
  const stranger = await rawRequest(relayPort, "GET /v1/models HTTP/1.1\r\nHost: r\r\n\r\n");
  expect(stranger.status).toBe(403);

  const first = await rawRequest(
    proxyPort,
    `GET /?access=${await grantToken()} HTTP/1.1\r\nHost: ${PROXY_HOST}\r\n\r\n`,
  );
  expect(first.status).toBe(303);
  const cookie = /\r\nset-cookie: ([^;\r\n]+)/i.exec(first.head)?.[1];
  const page = await rawRequest(
    proxyPort,
    `GET / HTTP/1.1\r\nHost: ${PROXY_HOST}\r\nCookie: ${cookie}\r\n\r\n`,
  );
  expect(page.status).toBe(200);
  expect(page.body).toContain("Fuzzy runs as a local process");
}

describe("the agent process under generated hostile input", () => {
  it("stays up, confines every bad request or frame to its own connection, and still serves", async () => {
    await servesCorrectly();
    const token = await grantToken();
    const first = await rawRequest(
      proxyPort,
      `GET /?access=${token} HTTP/1.1\r\nHost: ${PROXY_HOST}\r\n\r\n`,
    );
    const cookie = /\r\nset-cookie: ([^;\r\n]+)/i.exec(first.head)?.[1] ?? "";
    const fuzzStarted = Date.now();

    // Slow clients first: they are cut off by the timeouts while the rest runs.
    const relaySlow = slowClients(
      relayPort,
      "POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\n\r\n",
      employeeAddress,
    );
    const proxySlow = slowClients(
      proxyPort,
      `POST /x HTTP/1.1\r\nHost: ${PROXY_HOST}\r\nCookie: ${cookie}\r\n\r\n`,
      "127.0.0.1",
    );

    // The hub: thousands of frames the agent must shrug off, then frames that end a connection.
    const hubRun = (async () => {
      const started = Date.now();
      let c = connections.filter((x) => !x.closed).at(-1) as EdgeSide;
      let frames = 0;
      for (const f of appFrames(SEED, FRAMES, EMPLOYEE)) {
        c.ws.send(f.data, { binary: f.binary });
        frames++;
        if (frames % 200 === 0) await sleep(1);
      }
      expect(c.closed, "an application-level frame ended the connection").toBe(false);
      const oversize = [MAX_FRAME_BYTES + 1, 4 * MAX_FRAME_BYTES];
      const violations = protocolViolations(SEED);
      for (const v of [
        ...oversize.map((n) => ({
          name: `${n}-byte frame`,
          bytes: null as Buffer | null,
          size: n,
        })),
        ...violations.map((v) => ({ ...v, size: 0 })),
      ]) {
        const before = connections.length;
        if (v.bytes) c.socket.write(v.bytes);
        else c.ws.send("x".repeat(v.size));
        frames++;
        // Each ends that connection (or, for bytes that happen to be a partial frame, waits for
        // more, and the edge gives up on it); the agent dials again.
        await until(`${v.name} left the connection open`, () => c.closed || undefined, 2000).catch(
          () => c.ws.terminate(),
        );
        c = await welcomed(before);
      }
      const answered = await command(c, {
        type: "container.start",
        id: "after-fuzz",
        employeeId: EMPLOYEE,
      });
      expect(answered.ok).toBe(true);
      return { frames, ms: Date.now() - started, connections: connections.length };
    })();

    const [relay, proxy] = await Promise.all([
      fuzz(
        relayPort,
        httpRequests(SEED, REQUESTS_PER_SERVER, {
          validTargets: ["/v1/chat/completions", "/v1/models"],
          validHosts: [`127.0.0.1:${relayPort}`, "172.18.0.1:8791"],
          validHeaders: ["Content-Type: application/json", "Authorization: Bearer sk-container"],
          validRequests: [
            `POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
            "GET /v1/models HTTP/1.1\r\nHost: r\r\n\r\n",
          ],
        }),
        (() => {
          const r = prng(SEED + 2);
          return () => (r() < 0.7 ? employeeAddress : "127.0.0.1");
        })(),
      ),
      fuzz(
        proxyPort,
        httpRequests(SEED + 1, REQUESTS_PER_SERVER, {
          validTargets: ["/", "/assets/app.js", "/chat?session=main", `/?access=${token}`],
          validHosts: [PROXY_HOST, `${EMPLOYEE}.vnc.localhost`],
          validHeaders: [`Cookie: ${cookie}`, "Accept: text/html"],
          validRequests: [
            `GET / HTTP/1.1\r\nHost: ${PROXY_HOST}\r\nCookie: ${cookie}\r\n\r\n`,
            `GET /?access=${token} HTTP/1.1\r\nHost: ${PROXY_HOST}\r\n\r\n`,
            `POST /x HTTP/1.1\r\nHost: ${PROXY_HOST}\r\nCookie: ${cookie}\r\nContent-Length: 2\r\n\r\n{}`,
            `GET /ws HTTP/1.1\r\nHost: ${PROXY_HOST}\r\nCookie: ${cookie}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
          ],
        }),
        () => "127.0.0.1",
      ),
    ]);
    const hub = await hubRun;
    console.log(
      `fuzz: relay ${relay.sent} requests in ${relay.ms} ms ${JSON.stringify(Object.fromEntries(relay.statuses))}`,
    );
    console.log(
      `fuzz: access proxy ${proxy.sent} requests in ${proxy.ms} ms ${JSON.stringify(Object.fromEntries(proxy.statuses))}`,
    );
    console.log(
      `fuzz: hub ${hub.frames} frames in ${hub.ms} ms over ${hub.connections} connections`,
    );
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.pid}/status`, "utf8"))?.[1];
    console.log(`fuzz: agent resident memory afterwards ${Math.round(Number(rss) / 1024)} MiB`);
    expect(relay.fiveHundreds).toEqual([]);
    expect(proxy.fiveHundreds).toEqual([]);
    await servesCorrectly();

    // The slow clients: each cut off by its server within the named timeout.
    // Generous, for a busy machine: Node's own defaults (60 s for a head, 300 s for a request)
    // would still be far outside it.
    const slack = 2 * TIMEOUT_CHECK_INTERVAL_MS + 8000;
    const [relayHeads, proxyHeads, relayBodies, proxyBodies] = await Promise.all([
      relaySlow.headers,
      proxySlow.headers,
      relaySlow.bodies,
      proxySlow.bodies,
    ]);
    for (const [answers, limit] of [
      [relayHeads, RELAY_HEADERS_TIMEOUT_MS],
      [proxyHeads, ACCESS_HEADERS_TIMEOUT_MS],
      [relayBodies, RELAY_REQUEST_TIMEOUT_MS],
      [proxyBodies, ACCESS_REQUEST_TIMEOUT_MS],
    ] as const) {
      for (const a of answers) {
        expect(a.closedByServer).toBe(true);
        expect(a.ms).toBeLessThan(limit + slack);
      }
    }
    expect(relayHeads.every((a) => a.status === 408)).toBe(true);
    expect(proxyHeads.every((a) => a.status === 408)).toBe(true);
    const slowCount = 2 * (2 * SLOW_CLIENTS + SLOW_CLIENTS / 2);
    console.log(
      `fuzz: ${slowCount} slow clients cut off; whole run ${Date.now() - fuzzStarted} ms`,
    );

    await servesCorrectly();
    // Nothing but the relayed paths ever reached the gateway, and always with the employee's key.
    const reached = new Set(
      gateway.seen.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`),
    );
    expect([...reached].sort()).toEqual([
      `GET /v1/models Bearer ${KEY}`,
      `POST /v1/chat/completions Bearer ${KEY}`,
    ]);
    expect(agentLogs.filter((l) => l.includes("nothing handled"))).toEqual([]);
  }, 90_000);
});
