// Issue 16, drain: `npm run node:drain -- NAME` moves every employee off a node (stop, final
// snapshot, restore on the other node, start), with what each knew, never running one twice;
// the drained node takes no new placements. The test image keeps it quick: the moves are the
// platform's, not OpenClaw's.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "./stack.ts";
import { getEmployee, type Hired, hireOwn, waitRunning } from "./two-node-api.ts";
import { RunningWatch, startTwoNodes, type TwoNodeStack } from "./two-node-stack.ts";

const EMPLOYEES = 4;
const DRAIN_WITHIN_MS = 240_000;

let stack: TwoNodeStack;
let watch: RunningWatch;
const hired: Hired[] = [];

beforeAll(async () => {
  stack = await startTwoNodes();
  for (let i = 0; i < EMPLOYEES; i++) hired.push(await hireOwn(stack.edgeUrl, `Drain ${i}`));
  for (const h of hired) await waitRunning(h.client, h.id);
  watch = new RunningWatch(stack.nodes).start();
}, 300_000);

afterAll(async () => {
  watch?.stop();
  await stack?.stop();
});

/** The ops script as an operator runs it, against this stack's local D1. */
function npmRun(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", ...args], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("draining a node", { timeout: 600_000 }, () => {
  it("moves every employee to the other node with its memory, never twice", async () => {
    const a = stack.nodes["node-a"];
    const b = stack.nodes["node-b"];
    const onA: Hired[] = [];
    for (const h of hired) {
      const node = stack.nodeById((await getEmployee(h.client, h.id)).node);
      if (!node) throw new Error(`${h.id} is on no node`);
      // Written just before the drain: the final snapshot follows the stop (RPO 0).
      node.writeMarker(h.id, `knows ${h.id}`);
      if (node === a) onA.push(h);
    }
    expect(onA.length).toBeGreaterThan(0);

    const t0 = Date.now();
    const drain = await npmRun(
      ["node:drain", "--", "node-a", "--persist-to", stack.edge.persistDir],
      DRAIN_WITHIN_MS,
    );
    console.log(
      `drain of ${onA.length} employees: ${Date.now() - t0} ms; the script said:\n${drain.out}`,
    );
    expect(drain.code, drain.out).toBe(0);
    // It names each employee it moves.
    for (const h of onA) expect(drain.out).toContain(h.id);

    for (const h of hired) {
      const e = await getEmployee(h.client, h.id);
      expect(e.status).toBe("running");
      expect(e.node).toBe(b.id);
      expect(b.containerState(h.id)).toBe("running");
      expect(b.readMarker(h.id)).toBe(`knows ${h.id}`);
      expect(a.containerState(h.id)).toBeNull();
    }
    expect(await a.running()).toEqual([]);
    expect(stack.d1(`SELECT used_slots FROM nodes WHERE id = '${a.id}'`)).toEqual([
      { used_slots: 0 },
    ]);
    expect(watch.twice).toEqual([]);
  });

  it("places no new employee on the drained node", async () => {
    const h = await hireOwn(stack.edgeUrl, "After drain");
    const e = await waitRunning(h.client, h.id);
    expect(e.node).toBe(stack.nodes["node-b"].id);
    expect(stack.nodes["node-a"].containerState(h.id)).toBeNull();
  });
});
