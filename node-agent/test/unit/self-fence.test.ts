// Self-fencing (issue 16) on fake timers: no heartbeat ack for AGENT_SELF_FENCE_MS stops every
// employee and refuses starts until a reconcile; each ack renews the lease; a stale copy's
// marker refuses its start whatever the lease. Over a runtime that records what it was told.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CommandFrame, Instance } from "../../../edge/protocol/frames.ts";
import { AGENT_SELF_FENCE_MS } from "../../../edge/protocol/snapshot-timeouts.ts";
import { SelfFence } from "../../hub/self-fence.ts";
import { createLogger } from "../../logger.ts";
import { StaleMarkers } from "../../runtime/stale-markers.ts";

const log = createLogger("silent");

class RecordingRuntime {
  instances: Instance[] = [
    { employeeId: "e1", containerId: "c1", state: "running" },
    { employeeId: "e2", containerId: "c2", state: "unhealthy" },
    { employeeId: "e3", containerId: "c3", state: "stopped" },
  ];
  stopped: string[] = [];
  async inventory(): Promise<Instance[]> {
    return this.instances;
  }
  async stop(employeeId: string): Promise<Instance> {
    this.stopped.push(employeeId);
    return { employeeId, containerId: null, state: "stopped" };
  }
}

const start = (employeeId = "e1", generation?: number): CommandFrame => ({
  type: "container.start",
  id: `cmd-${employeeId}`,
  employeeId,
  ...(generation === undefined ? {} : { generation }),
});

let dir: string;
let runtime: RecordingRuntime;
let stale: StaleMarkers;
const fence = (enabled = true) => new SelfFence({ enabled, stateDir: dir, runtime, stale, log });

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(path.join(os.tmpdir(), "iw-fence-"));
  runtime = new RecordingRuntime();
  stale = new StaleMarkers(dir);
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe("self-fence", () => {
  it("stops every running employee when no ack comes for AGENT_SELF_FENCE_MS", async () => {
    const f = fence();
    f.start();
    f.ack(AGENT_SELF_FENCE_MS);
    await vi.advanceTimersByTimeAsync(AGENT_SELF_FENCE_MS - 1);
    expect(f.fenced).toBe(false);
    expect(runtime.stopped).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await f.settled();
    expect(f.fenced).toBe(true);
    expect(runtime.stopped.sort()).toEqual(["e1", "e2"]);
  });

  it("renews the lease with every ack, never longer than AGENT_SELF_FENCE_MS", async () => {
    const f = fence();
    f.ack(AGENT_SELF_FENCE_MS);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(AGENT_SELF_FENCE_MS - 1000);
      f.ack(AGENT_SELF_FENCE_MS);
    }
    expect(f.fenced).toBe(false);
    // An edge asking for a longer lease gets the agent's own bound.
    f.ack(10 * AGENT_SELF_FENCE_MS);
    await vi.advanceTimersByTimeAsync(AGENT_SELF_FENCE_MS);
    expect(f.fenced).toBe(true);
  });

  it("refuses starts while fenced (retryable node_fenced), lets stops through, and lifts at the reconcile", async () => {
    const f = fence();
    f.ack(1000);
    await vi.advanceTimersByTimeAsync(1000);
    for (const type of ["container.start", "container.restart", "container.restore"] as const) {
      const refused = f.refusal({ ...start(), type } as CommandFrame);
      expect(refused).toMatchObject({ ok: false, error: { code: "node_fenced", retryable: true } });
    }
    expect(f.refusal({ ...start(), type: "container.stop" })).toBeNull();
    f.reconciled();
    expect(f.fenced).toBe(false);
    expect(f.refusal(start())).toBeNull();
    // The lease runs again from the reconcile.
    await vi.advanceTimersByTimeAsync(AGENT_SELF_FENCE_MS);
    expect(f.fenced).toBe(true);
  });

  it("is not armed before the first ack of this node (an edge without acks never fences it)", async () => {
    const f = fence();
    f.start();
    await vi.advanceTimersByTimeAsync(10 * AGENT_SELF_FENCE_MS);
    expect(f.fenced).toBe(false);
    expect(runtime.stopped).toEqual([]);
  });

  it("holds a lease from the start once this node has been acked (a restart during a partition)", async () => {
    const before = fence();
    before.ack(AGENT_SELF_FENCE_MS);
    before.stop();
    expect(existsSync(path.join(dir, "self-fence-acked"))).toBe(true);
    const restarted = fence();
    restarted.start();
    await vi.advanceTimersByTimeAsync(AGENT_SELF_FENCE_MS);
    await restarted.settled();
    expect(restarted.fenced).toBe(true);
    expect(runtime.stopped.sort()).toEqual(["e1", "e2"]);
  });

  it("off: no ack ever stops anything", async () => {
    const f = fence(false);
    f.ack(1000);
    await vi.advanceTimersByTimeAsync(10 * AGENT_SELF_FENCE_MS);
    expect(f.fenced).toBe(false);
    expect(runtime.stopped).toEqual([]);
  });

  it("refuses to start a stale copy unless the command is for a newer placement", () => {
    const f = fence(false);
    stale.mark("e1", 3);
    expect(f.refusal(start("e1"))).toMatchObject({
      error: { code: "stale_copy", retryable: false },
    });
    expect(f.refusal(start("e1", 3))).toMatchObject({ error: { code: "stale_copy" } });
    expect(f.refusal(start("e1", 4))).toBeNull();
    expect(f.refusal(start("e2"))).toBeNull();
    // A restore is how it comes back with the right state.
    expect(f.refusal({ ...start("e1"), type: "container.restore" } as CommandFrame)).toBeNull();
  });
});
