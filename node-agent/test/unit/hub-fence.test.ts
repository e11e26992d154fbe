// The hub's part in fencing (issue 16), against a loopback edge: heartbeat.ack feeds the lease,
// a lapsed lease stops the employees and refuses starts with node_fenced, and the next
// inventory.reconcile stops stale copies (by the edge's placements), keeps their disks out of
// the orphan sweep, and lifts the fence.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Instance } from "../../../edge/protocol/frames.ts";
import { SelfFence } from "../../hub/self-fence.ts";
import { createLogger } from "../../logger.ts";
import { StaleMarkers } from "../../runtime/stale-markers.ts";
import { FakeRuntime } from "../fake-runtime.ts";
import { startHub, startLoopbackEdge, until, welcome } from "./loopback-edge.ts";

class FencedRuntime extends FakeRuntime {
  stopped: string[] = [];
  staleCalls: { placements: unknown; keep: string[] }[] = [];
  swept: string[][] = [];
  override async inventory(): Promise<Instance[]> {
    return [{ employeeId: "e1", containerId: "c1", state: "running" }];
  }
  override async stop(employeeId: string): Promise<Instance> {
    this.stopped.push(employeeId);
    return super.stop(employeeId);
  }
  async fenceStale(
    placements: readonly { employeeId: string; generation: number }[],
    keep: ReadonlySet<string>,
  ): Promise<Set<string>> {
    this.staleCalls.push({ placements, keep: [...keep] });
    return new Set(["old1"]);
  }
  override sweepOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    this.swept.push([...keep].sort());
    return Promise.resolve([]);
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("fencing through the hub", () => {
  it("lapsed lease → employees stopped, starts refused; reconcile → stale copies held, fence lifted", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "iw-hub-fence-"));
    const edge = await startLoopbackEdge();
    const runtime = new FencedRuntime();
    const fence = new SelfFence({
      enabled: true,
      stateDir: dir,
      runtime,
      stale: new StaleMarkers(dir),
      log: createLogger("silent"),
    });
    const { hub } = startHub(edge, runtime, fence);
    cleanup = async () => {
      await hub.stop();
      await edge.close();
      rmSync(dir, { recursive: true, force: true });
    };
    const side = await until("a hello", () =>
      edge.sides.find((s) => s.frames.some((f) => f.type === "hello")),
    );
    side.ws.send(welcome());
    // A short lease from the edge, then silence.
    side.ws.send(JSON.stringify({ type: "heartbeat.ack", leaseMs: 50 }));
    await until("the fence", () => fence.fenced);
    await fence.settled();
    expect(runtime.stopped).toEqual(["e1"]);

    side.ws.send(JSON.stringify({ type: "container.start", id: "s1", employeeId: "e1" }));
    const refused = await until("the refusal", () => side.frames.find((f) => f.id === "s1"));
    expect(refused).toMatchObject({ ok: false, error: { code: "node_fenced", retryable: true } });

    side.ws.send(
      JSON.stringify({
        type: "inventory.reconcile",
        id: "r1",
        keep: ["e1"],
        placements: [{ employeeId: "e1", generation: 4 }],
      }),
    );
    await until("the sweep", () => runtime.swept.length > 0);
    expect(runtime.staleCalls).toEqual([
      { placements: [{ employeeId: "e1", generation: 4 }], keep: ["e1"] },
    ]);
    // The stale copy's disk is kept past the orphan sweep.
    expect(runtime.swept[0]).toEqual(["e1", "old1"]);
    await until("the fence lifted", () => !fence.fenced);
    side.ws.send(JSON.stringify({ type: "container.start", id: "s2", employeeId: "e1" }));
    const started = await until("the start", () => side.frames.find((f) => f.id === "s2"));
    expect(started).toMatchObject({ ok: true });
  });
});
