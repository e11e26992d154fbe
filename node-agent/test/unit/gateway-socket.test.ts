import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { GatewayClient, GatewayError, type RunEvent } from "../../employee/gateway-client.ts";
import { GatewayDevices } from "../../employee/gateway-devices.ts";
import { deviceAuthPayloadV3 } from "../../employee/gateway-handshake.ts";
import { createLogger } from "../../logger.ts";

// The client's socket against a loopback stand-in for OpenClaw's gateway (the v4 frames as the
// 2026.9.6 package speaks them): the handshake it sends, requests matched to their answers
// whatever the order, named timeouts, hostile frames, a refusal, a lost socket redialled with a
// run picked up from the history, and closing.

type Req = { type: "req"; id: string; method: string; params: Record<string, unknown> };
interface Side {
  ws: WebSocket;
  headers: IncomingHttpHeaders;
  connect?: Req["params"];
}
// What the stand-in answers a method with: [ok, payload or error], or nothing at all.
type Answer = [true, unknown] | [false, { code: string; message: string; details?: unknown }];

const log = createLogger("silent");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-gateway-unit-"));
const devices = new GatewayDevices(stateDir);
const sides: Side[] = [];
let refuse: Answer | undefined;
let answer: (req: Req, side: Side) => Answer | undefined = () => [true, {}];
let wss: WebSocketServer;
let port = 0;
const clients: GatewayClient[] = [];

const hello = {
  type: "hello-ok",
  protocol: 4,
  server: { version: "2026.9.6", connId: "c1" },
  features: { methods: [], events: [] },
  snapshot: { sessionDefaults: { mainSessionKey: "agent:main:main", modelConfigured: true } },
  auth: {
    method: "trusted-proxy",
    role: "operator",
    scopes: ["operator.read", "operator.write", "operator.approvals"],
  },
  policy: { maxPayload: 26_214_400, maxBufferedBytes: 52_428_800, tickIntervalMs: 30_000 },
};
const event = (side: Side, name: string, payload: unknown) =>
  side.ws.send(JSON.stringify({ type: "event", event: name, payload }));
const chat = (side: Side, payload: Record<string, unknown>) =>
  event(side, "chat", { sessionKey: "agent:main:s1", seq: 1, ...payload });

beforeAll(async () => {
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  port = (wss.address() as AddressInfo).port;
  wss.on("connection", (ws, req) => {
    const side: Side = { ws, headers: req.headers };
    sides.push(side);
    ws.send(
      JSON.stringify({
        type: "event",
        event: "connect.challenge",
        payload: { nonce: `n${sides.length}`, ts: Date.now() },
      }),
    );
    ws.on("message", (data) => {
      const req = JSON.parse(data.toString()) as Req;
      if (req.method === "connect") {
        side.connect = req.params;
        const [ok, payload] = refuse ?? [true, hello];
        ws.send(
          JSON.stringify({
            type: "res",
            id: req.id,
            ok,
            ...(ok ? { payload } : { error: payload }),
          }),
        );
        if (!ok) ws.close(1008, "refused");
        return;
      }
      const a = answer(req, side);
      if (!a) return;
      ws.send(
        JSON.stringify({
          type: "res",
          id: req.id,
          ok: a[0],
          ...(a[0] ? { payload: a[1] } : { error: a[1] }),
        }),
      );
    });
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of sides.splice(0)) s.ws.terminate();
  refuse = undefined;
  answer = () => [true, {}];
});
afterAll(async () => {
  await new Promise<void>((r) => wss.close(() => r()));
  rmSync(stateDir, { recursive: true, force: true });
});

function client(opts: { accountId?: string; running?: boolean } = {}): GatewayClient {
  const c = new GatewayClient({
    employeeId: "emp-1",
    accountId: opts.accountId ?? "account-1",
    endpoint: async () => (opts.running === false ? null : { host: "127.0.0.1", port }),
    devices,
    log,
  });
  clients.push(c);
  return c;
}

async function all(run: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const seen: RunEvent[] = [];
  for await (const e of run) seen.push(e);
  return seen;
}

describe("the gateway client on a loopback gateway", () => {
  it("proves itself with the trusted-proxy headers and a signed device, and reads hello-ok", async () => {
    const info = await client().connect(5_000);
    expect(info).toMatchObject({
      serverVersion: "2026.9.6",
      scopes: ["operator.read", "operator.write", "operator.approvals"],
      mainSessionKey: "agent:main:main",
    });
    const side = sides[0] as Side;
    expect(side.headers).toMatchObject({
      "x-forwarded-user": "account-1",
      "x-forwarded-for": "192.0.2.2",
      "x-forwarded-proto": "https",
      "x-forwarded-host": `127.0.0.1:${port}`,
      "x-openclaw-scopes": "operator.read,operator.write,operator.approvals",
      origin: `http://127.0.0.1:${port}`,
      host: `127.0.0.1:${port}`,
    });
    expect(side.headers.authorization).toBeUndefined();
    const device = side.connect?.device as {
      id: string;
      publicKey: string;
      signature: string;
      signedAt: number;
      nonce: string;
    };
    expect(device.nonce).toBe("n1");
    expect(Math.abs(device.signedAt - Date.now())).toBeLessThan(5_000);
    const key = createPublicKey({
      key: Buffer.concat([
        Buffer.from("302a300506032b6570032100", "hex"),
        Buffer.from(device.publicKey, "base64url"),
      ]),
      format: "der",
      type: "spki",
    });
    const payload = deviceAuthPayloadV3({
      deviceId: device.id,
      scopes: ["operator.read", "operator.write", "operator.approvals"],
      signedAtMs: device.signedAt,
      nonce: "n1",
    });
    expect(
      verify(null, Buffer.from(payload), key, Buffer.from(device.signature, "base64url")),
    ).toBe(true);
  });

  it("matches answers to requests in any order, ignores hostile frames, and times out by name", async () => {
    const held: [Req, Side][] = [];
    answer = (req, side) => {
      if (req.method === "never") return undefined;
      held.push([req, side]);
      if (held.length < 2) return undefined;
      // Answer the second first, then garbage, then the first.
      const [[first], [second]] = held as [[Req, Side], [Req, Side]];
      side.ws.send(JSON.stringify({ type: "res", id: second.id, ok: true, payload: { n: 2 } }));
      for (const junk of [
        "{",
        "[]",
        '{"type":"res","id":"999","ok":true}',
        '{"type":"event","event":"chat","payload":{"runId":5}}',
        '{"type":"event","event":"agent","payload":null}',
      ])
        side.ws.send(junk);
      side.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      side.ws.send(
        JSON.stringify({
          type: "res",
          id: first.id,
          ok: false,
          error: {
            code: "FORBIDDEN",
            message: "missing scope: operator.admin",
            details: { code: "MISSING_SCOPE" },
          },
        }),
      );
      return undefined;
    };
    const c = client();
    const [one, two] = await Promise.allSettled([
      c.request("config.get", {}),
      c.request("status", {}),
    ]);
    expect(two).toEqual({ status: "fulfilled", value: { n: 2 } });
    expect(one.status === "rejected" && one.reason).toMatchObject({
      code: "FORBIDDEN",
      detail: "MISSING_SCOPE",
    });
    const started = Date.now();
    const err = await c.request("never", {}, 300).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TIMEOUT", message: "never: no answer within 300 ms" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sides).toHaveLength(1); // nothing of that cost the socket
  });

  it("streams a run's events, ignoring other runs and other sessions", async () => {
    answer = (req, side) => {
      if (req.method !== "chat.send") return [true, {}];
      const runId = req.params.idempotencyKey;
      chat(side, { runId, state: "status", phase: "starting_model" });
      chat(side, {
        runId: "someone-else",
        state: "final",
        message: { role: "assistant", content: "no" },
      });
      chat(side, { runId, sessionKey: "agent:main:other", state: "final" });
      chat(side, { runId, seq: 2, state: "delta", deltaText: "Hel" });
      event(side, "agent", {
        runId,
        seq: 3,
        stream: "item",
        ts: 1,
        data: { itemId: "t1", phase: "start", kind: "tool", title: "read a.md", status: "running" },
      });
      chat(side, { runId, seq: 4, state: "delta", deltaText: "lo" });
      chat(side, {
        runId,
        seq: 5,
        state: "final",
        message: { role: "assistant", content: [{ type: "text", text: "Hello" }] },
      });
      return [true, { runId, status: "started" }];
    };
    const run = await client().send("agent:main:s1", "hi", { idempotencyKey: "run-1" });
    expect(run.runId).toBe("run-1");
    expect(
      (await all(run)).map((e) =>
        e.type === "delta" || e.type === "final" ? `${e.type}:${e.text}` : e.type,
      ),
    ).toEqual(["status", "delta:Hel", "tool", "delta:Hello", "final:Hello"]);
  });

  it("refuses bad input before it reaches the gateway", async () => {
    const c = client();
    for (const [key, id] of [
      ["", "k"],
      ["has space", "k"],
      ["s", ""],
      ["s", "a/b"],
      ["s".repeat(513), "k"],
    ])
      await expect(
        c.send(key as string, "x", { idempotencyKey: id as string }),
      ).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(
      c.send("s", "x", {
        idempotencyKey: "k",
        attachments: [{ content: "A".repeat(9 * 1024 * 1024) }],
      }),
    ).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect(sides).toHaveLength(0);
  });

  it("redials a lost socket and ends a run the history says is over", async () => {
    let history = 0;
    answer = (req, side) => {
      if (req.method === "chat.send") {
        chat(side, { runId: req.params.idempotencyKey, seq: 1, state: "delta", deltaText: "part" });
        setTimeout(() => side.ws.terminate(), 50);
        return [true, { runId: req.params.idempotencyKey, status: "started" }];
      }
      if (req.method === "chat.history") {
        history++;
        return [
          true,
          {
            sessionKey: "agent:main:s1",
            messages: [
              { role: "user", content: "hi" },
              {
                role: "assistant",
                content: [{ type: "text", text: "partial and the rest" }],
                stopReason: "stop",
              },
            ],
          },
        ];
      }
      if (req.method === "slow") return undefined;
      return [true, {}];
    };
    const c = client();
    const run = await c.send("agent:main:s1", "hi", { idempotencyKey: "run-2" });
    const waiting = c.request("slow", {}, 5_000).catch((e: unknown) => e);
    const events = await all(run);
    expect(await waiting).toMatchObject({ code: "DISCONNECTED", retryable: true });
    expect(events.at(-1)).toEqual({
      type: "final",
      text: "partial and the rest",
      truncated: false,
      stopReason: "stop",
      recovered: true,
    });
    expect(sides.length).toBe(2);
    expect(history).toBe(1);
    expect(sides[1]?.connect?.device).toMatchObject({ nonce: "n2" });
  });

  it("fails at once on a refusal no retry helps, and names a gateway that is not there", async () => {
    refuse = [
      false,
      {
        code: "INVALID_REQUEST",
        message: "unauthorized: trusted_proxy_user_not_allowed",
        details: { code: "AUTH_UNAUTHORIZED" },
      },
    ];
    const started = Date.now();
    const err = await client({ accountId: "account-2" })
      .connect(10_000)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: "INVALID_REQUEST", detail: "AUTH_UNAUTHORIZED" });
    expect(Date.now() - started).toBeLessThan(2_000);
    const away = await client({ running: false })
      .connect(300)
      .catch((e: unknown) => e);
    expect(away).toMatchObject({ code: "NOT_RUNNING", retryable: true });
  });

  it("closes for good: open runs end, later calls fail with CLOSED", async () => {
    answer = (req) =>
      req.method === "chat.send"
        ? [true, { runId: req.params.idempotencyKey, status: "started" }]
        : [true, {}];
    const c = client();
    const run = await c.send("agent:main:s1", "hi", { idempotencyKey: "run-3" });
    await c.close();
    expect(await run.done).toMatchObject({ type: "error", kind: "closed" });
    await expect(c.request("status", {})).rejects.toMatchObject({ code: "CLOSED" });
  });
});
