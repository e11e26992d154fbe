// The agent's link to the edge against a loopback edge: what it says on arrival, how it keeps
// the link alive, how it comes back after a close or a refusal (the shared backoff), and what it
// does with frames it must not act on.
import { afterEach, describe, expect, it } from "vitest";
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  parseAgentFrame,
} from "../../../edge/protocol/frames.ts";
import { AGENT_VERSION, type HubConnection, RECONNECT_BASE_MS } from "../../hub/hub-connection.ts";
import {
  type EdgeSide,
  type LoopbackEdge,
  NODE_TOKEN,
  startHub,
  startLoopbackEdge,
  until,
  welcome,
} from "./loopback-edge.ts";

// Timers fire late on a busy machine (two cores shared by several suites), never early.
const LATE_MS = 1000;

const running: { edge: LoopbackEdge; hub: HubConnection }[] = [];
afterEach(async () => {
  for (const { edge, hub } of running.splice(0)) {
    await hub.stop();
    await edge.close();
  }
});

async function setUp() {
  const edge = await startLoopbackEdge();
  const agent = startHub(edge);
  running.push({ edge, hub: agent.hub });
  return { edge, ...agent };
}

// Dial n comes after waits of up to RECONNECT_BASE_MS·(2^n − 1).
const side = (edge: LoopbackEdge, n: number) =>
  until(
    `connection ${n + 1}`,
    () => edge.sides[n],
    RECONNECT_BASE_MS * 2 ** n + LATE_MS * (n + 1),
  ) as Promise<EdgeSide>;
const helloOn = (s: EdgeSide) => until("a hello", () => s.frames.find((f) => f.type === "hello"));
const gaps = (edge: LoopbackEdge) =>
  edge.dials.slice(1).map((d, i) => d.at - (edge.dials[i]?.at ?? 0));

describe("the hub connection's arrival", () => {
  it("dials /agent/connect with its token and says hello with what the runtime holds", async () => {
    const edge = await startLoopbackEdge();
    const { FakeRuntime } = await import("../fake-runtime.ts");
    const runtime = new FakeRuntime();
    runtime.inventory = async () => [{ employeeId: "e1", containerId: "c-e1", state: "running" }];
    const { hub } = startHub(edge, runtime);
    running.push({ edge, hub });
    const s = await side(edge, 0);
    const hello = await helloOn(s);
    expect(edge.dials[0]?.url).toBe("/agent/connect");
    expect(edge.dials[0]?.headers.authorization).toBe(`Bearer ${NODE_TOKEN}`);
    expect(hello).toEqual({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
      capacity: { slots: 2, memoryMb: 2048 },
      inventory: [{ employeeId: "e1", containerId: "c-e1", state: "running" }],
      runtime: "runc", // what isolates this node's employees (the fake runtime's answer)
    });
    expect(parseAgentFrame(JSON.stringify(hello)).ok).toBe(true);
    // Connected only once the edge welcomes it; no heartbeat before.
    expect(hub.connected).toBe(false);
    s.ws.send(welcome(1000));
    await until("connected", () => hub.connected);
    expect(s.frames.filter((f) => f.type === "heartbeat")).toEqual([]);
  });

  it("says hello with an empty inventory when the runtime cannot read one", async () => {
    const edge = await startLoopbackEdge();
    const { FakeRuntime } = await import("../fake-runtime.ts");
    const runtime = new FakeRuntime();
    runtime.inventory = async () => {
      throw new Error("engine down");
    };
    const { hub, lines } = startHub(edge, runtime);
    running.push({ edge, hub });
    expect(await helloOn(await side(edge, 0))).toMatchObject({ inventory: [] });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        err: expect.objectContaining({ message: "engine down" }),
      }),
    );
  });

  it("heartbeats at the welcome's interval with its capacity and the commands it runs", async () => {
    const { edge } = await setUp();
    const s = await side(edge, 0);
    await helloOn(s);
    s.ws.send(welcome(1000));
    const beats = await until(
      "two heartbeats",
      () => {
        const b = s.frames.filter((f) => f.type === "heartbeat");
        return b.length >= 2 ? b : undefined;
      },
      1000 * 2 + LATE_MS * 2,
    );
    expect(beats[0]).toEqual({
      type: "heartbeat",
      capacity: { slots: 2, memoryMb: 2048 },
      running: 0,
    });
  });
});

describe("the hub connection's return", () => {
  it("redials after each close with a doubling jittered wait, and starts over after a welcome", async () => {
    const { edge, lines } = await setUp();
    // Four connections closed before any welcome (an edge restarting), then one that is welcomed.
    edge.onSocket = (s) => {
      if (edge.sides.length <= 4) s.ws.close(1011, "edge restarting");
    };
    const fifth = await side(edge, 4);
    await helloOn(fifth);
    fifth.ws.send(welcome());
    await until("the welcome", () => lines.find((l) => l.msg === "connected to the edge"));
    fifth.ws.close(1012, "edge deploying");
    await side(edge, 5);
    const waits = gaps(edge);
    // Attempt n waits between half of and all of RECONNECT_BASE_MS·2^(n−1).
    for (const [i, wait] of waits.slice(0, 4).entries()) {
      const ceiling = RECONNECT_BASE_MS * 2 ** i;
      expect(wait, `wait before dial ${i + 2}`).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait, `wait before dial ${i + 2}`).toBeLessThanOrEqual(ceiling + LATE_MS);
    }
    // The welcome reset the count: the next close waits like the first.
    expect(waits[4]).toBeGreaterThanOrEqual(RECONNECT_BASE_MS / 2);
    expect(waits[4]).toBeLessThanOrEqual(RECONNECT_BASE_MS + LATE_MS);
    const planned = lines.filter((l) => l.msg === "reconnecting").map((l) => l.attempt);
    expect(planned).toEqual([1, 2, 3, 4, 1]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", code: 1011, reason: "edge restarting" }),
    );
  }, 20_000);

  it("keeps trying, slower each time, when the edge refuses its token (401) or the connection", async () => {
    for (const status of [401, 403]) {
      const { edge, hub, lines } = await setUp();
      edge.refuseWith = status;
      await until("three dials", () => edge.dials.length >= 3 || undefined, 5000);
      const [first = 0, second = 0] = gaps(edge);
      expect(first).toBeGreaterThanOrEqual(RECONNECT_BASE_MS / 2);
      expect(second).toBeGreaterThanOrEqual(RECONNECT_BASE_MS);
      expect(hub.connected).toBe(false);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: "error",
          status,
          msg:
            status === 401 ? "the edge refused the node token" : "the edge refused the connection",
        }),
      );
      // Once the token is accepted again (re-issued), it arrives without a restart.
      edge.refuseWith = null;
      const back = await until(
        "the next dial",
        () => edge.sides[0],
        RECONNECT_BASE_MS * 8 + LATE_MS,
      );
      await helloOn(back);
    }
  }, 20_000);

  it("redials after the edge's own close codes (revoked token, wrong protocol, replaced, silent)", async () => {
    const { edge, lines } = await setUp();
    const codes = [4001, 4002, 4000, 4008];
    edge.onSocket = (s) => {
      const code = codes[edge.sides.length - 1];
      if (code) void helloOn(s).then(() => s.ws.close(code, `closed with ${code}`));
    };
    await side(edge, codes.length);
    const logged = lines.filter((l) => l.msg === "disconnected from the edge").map((l) => l.code);
    expect(logged).toEqual(codes);
  }, 20_000);

  it("closes with 1001 when stopped and does not dial again", async () => {
    const { edge, hub } = await setUp();
    const s = await side(edge, 0);
    await helloOn(s);
    s.ws.send(welcome());
    await until("connected", () => hub.connected);
    await hub.stop();
    await until("the close", () => s.closed);
    expect(s.closed?.code).toBe(1001);
    await new Promise((r) => setTimeout(r, RECONNECT_BASE_MS + LATE_MS));
    expect(edge.dials).toHaveLength(1);
  });
});

describe("the hub connection's frame limits", () => {
  it("measures the cap in bytes: a frame of exactly the cap is read, one byte more closes 1009", async () => {
    const { edge, lines } = await setUp();
    const s = await side(edge, 0);
    await helloOn(s);
    s.ws.send(welcome());
    // Exactly MAX_FRAME_BYTES of JSON: read, parsed, refused as no frame of the protocol.
    const filler = MAX_FRAME_BYTES - JSON.stringify({ type: "rejected", reason: "" }).length;
    s.ws.send(JSON.stringify({ type: "rejected", reason: "r".repeat(filler) }));
    await until("the oversized reason refused", () =>
      lines.find((l) => l.msg === "ignoring a frame the agent does not understand"),
    );
    expect(s.closed).toBeNull();
    // Two-byte characters: under the cap in characters, over it in bytes.
    s.ws.send("é".repeat(MAX_FRAME_BYTES / 2 + 1));
    await until("the close", () => s.closed);
    expect(s.closed?.code).toBe(1009);
    await helloOn(await side(edge, 1));
  });

  it("ignores binary and malformed frames, answering nothing, and logs each once", async () => {
    const { edge, lines } = await setUp();
    const s = await side(edge, 0);
    await helloOn(s);
    s.ws.send(welcome());
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    s.ws.send("{not json");
    s.ws.send(JSON.stringify({ type: "container.start", id: "../x", employeeId: "e1" }));
    s.ws.send(JSON.stringify({ type: "container.start", id: "ok1", employeeId: "e1" }));
    await until("the valid command's result", () => s.frames.find((f) => f.type === "result"));
    expect(s.frames.filter((f) => f.type === "result")).toEqual([
      {
        type: "result",
        id: "ok1",
        ok: true,
        data: { employeeId: "e1", containerId: "fake", state: "running" },
      },
    ]);
    expect(lines.filter((l) => l.msg === "ignoring a binary frame from the edge")).toHaveLength(1);
    const ignored = lines.filter((l) => l.msg === "ignoring a frame the agent does not understand");
    expect(ignored.map((l) => (l.err as { message: string }).message)).toEqual([
      "frame is not JSON",
      expect.stringContaining("invalid frame: id"),
    ]);
    expect(s.closed).toBeNull();
  });
});
