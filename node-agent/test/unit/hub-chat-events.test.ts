// Chat progress through the hub connection (loopback edge): frames go out while the edge is
// there; while it is away a run's end waits for the next welcome, and the streaming frames that
// would be stale by then do not.
import { afterEach, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../../edge/protocol/frames.ts";
import { type LoopbackEdge, startHub, startLoopbackEdge, until, welcome } from "./loopback-edge.ts";

const progress = (runId: string, state: "streaming" | "final"): AgentEvent => ({
  type: "chat.progress",
  employeeId: "e1",
  containerId: null,
  runId,
  state,
  text: `${state} text`,
  truncated: false,
  tools: [],
});

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("chat progress through the hub", () => {
  it("keeps a run's end while the edge is away and sends it after the welcome", async () => {
    const edge: LoopbackEdge = await startLoopbackEdge();
    const { hub } = startHub(edge);
    cleanup = async () => {
      await hub.stop();
      await edge.close();
    };
    hub.event(progress("r1", "streaming"));
    hub.event(progress("r1", "final"));
    const side = await until("a hello", () =>
      edge.sides.find((s) => s.frames.some((f) => f.type === "hello")),
    );
    expect(side.frames.filter((f) => f.type === "chat.progress")).toEqual([]);
    side.ws.send(welcome());
    await until("the kept end", () => side.frames.find((f) => f.type === "chat.progress"));
    hub.event(progress("r2", "streaming"));
    await until("a live frame", () => side.frames.find((f) => f.runId === "r2"));
    expect(
      side.frames.filter((f) => f.type === "chat.progress").map((f) => [f.runId, f.state]),
    ).toEqual([
      ["r1", "final"],
      ["r2", "streaming"],
    ]);
  });
});
