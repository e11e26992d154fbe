// The agent's WebSocket client against an edge that sends what it should not: a loopback edge
// (the `ws` server, the wire format of edge/protocol/frames.ts) and the real HubConnection and
// CommandExecutor over a fake runtime whose verbs a test can make throw.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { MAX_FRAME_BYTES } from "../../edge/protocol/frames.ts";
import { CommandExecutor } from "../hub/command-executor.ts";
import { HubConnection } from "../hub/hub-connection.ts";
import { createLogger } from "../logger.ts";
import { FakeRuntime } from "./fake-runtime.ts";

interface EdgeSide {
  ws: WebSocket;
  frames: { type: string; id?: string; ok?: boolean }[];
  closeCode: number | null;
}

const runtime = new FakeRuntime();
const log = createLogger("silent");
let edge: Server;
let hub: HubConnection;
const connections: EdgeSide[] = [];

async function nextConnection(after: number, timeoutMs = 5000): Promise<EdgeSide> {
  const deadline = Date.now() + timeoutMs;
  while (connections.length <= after) {
    if (Date.now() > deadline) throw new Error("the agent did not dial again");
    await new Promise((r) => setTimeout(r, 20));
  }
  const c = connections[after] as EdgeSide;
  while (!c.frames.some((f) => f.type === "hello")) await new Promise((r) => setTimeout(r, 20));
  c.ws.send(
    JSON.stringify({ type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs: 10_000 }),
  );
  return c;
}

async function answer(c: EdgeSide, id: string, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = c.frames.find((f) => f.type === "result" && f.id === id);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`no result for ${id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true });
  edge = createServer();
  edge.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      const side: EdgeSide = { ws, frames: [], closeCode: null };
      connections.push(side);
      ws.on("message", (m) => side.frames.push(JSON.parse(m.toString())));
      ws.on("close", (code) => {
        side.closeCode = code;
      });
    }),
  );
  await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
  hub = new HubConnection({
    edgeUrl: `http://127.0.0.1:${(edge.address() as AddressInfo).port}`,
    nodeToken: "iwn_test_token_000000000000000000",
    capacity: () => ({ slots: 1, memoryMb: 1024 }),
    runtime,
    executor: new CommandExecutor(runtime, log),
    orphanGraceMs: 0,
    log,
  });
  hub.start();
  await nextConnection(0);
});

afterAll(async () => {
  await hub?.stop();
  edge?.close();
});

describe("the hub connection under hostile frames", () => {
  it("keeps its heartbeat within bounds whatever interval a welcome asks for", async () => {
    const c = connections.at(-1) as EdgeSide;
    for (const interval of [1, 2 ** 40]) {
      const before = c.frames.filter((f) => f.type === "heartbeat").length;
      c.ws.send(
        JSON.stringify({
          type: "welcome",
          protocol: 1,
          nodeId: "n1",
          heartbeatIntervalMs: interval,
        }),
      );
      await new Promise((r) => setTimeout(r, 1500));
      const sent = c.frames.filter((f) => f.type === "heartbeat").length - before;
      expect(sent, `heartbeats in 1.5 s after asking for ${interval} ms`).toBeLessThanOrEqual(2);
    }
  });

  it("survives garbage, binary frames and a handler that throws, and still answers commands", async () => {
    const c = connections.at(-1) as EdgeSide;
    const garbage = [
      "",
      "not json",
      "null",
      "[]",
      "42",
      '{"type":"container.start"}',
      '{"type":"container.start","id":"x","employeeId":"../../etc"}',
      '{"type":"nope","id":"x"}',
      '{"__proto__":{"polluted":true},"type":"rejected","reason":"x"}',
      `{"type":"rejected","reason":"${"r".repeat(5000)}"}`,
      `${"[".repeat(50_000)}${"]".repeat(50_000)}`,
      '{"type":"welcome","protocol":1,"nodeId":"n1","heartbeatIntervalMs":-5}',
    ];
    for (const g of garbage) c.ws.send(g);
    c.ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    // The runtime throws synchronously where the hub expects a promise.
    runtime.sweepOrphans = () => {
      throw new Error("sweep exploded");
    };
    c.ws.send(JSON.stringify({ type: "inventory.reconcile", id: "r1", keep: [] }));
    c.ws.send(JSON.stringify({ type: "container.start", id: "c1", employeeId: "e1" }));
    expect(await answer(c, "c1")).toMatchObject({ ok: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(c.closeCode).toBeNull();
  });

  it("closes a frame larger than the protocol allows before buffering it, and dials again", async () => {
    const before = connections.length;
    const c = connections.at(-1) as EdgeSide;
    c.ws.send("x".repeat(MAX_FRAME_BYTES + 1));
    const again = await nextConnection(before);
    expect(c.closeCode).toBe(1009);
    again.ws.send(JSON.stringify({ type: "container.stop", id: "c2", employeeId: "e1" }));
    expect(await answer(again, "c2")).toMatchObject({ ok: true });
  });
});
