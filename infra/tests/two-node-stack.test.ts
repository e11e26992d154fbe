// The two-server harness itself (two-node-stack.ts), on what main already does: both agents
// connect with their own tokens, hires land on both, each node's containers run only on its own
// engine, on its own network, with disks under its own state folder, and the helpers the issue 16
// journeys lean on (markers, removal by hand, the 200 ms watch, losing an agent) do what they say.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEmployee, type Hired, hireOwn, waitRunning } from "./two-node-api.ts";
import { RunningWatch, startTwoNodes, type TwoNodeStack, waitUntil } from "./two-node-stack.ts";

let stack: TwoNodeStack;

beforeAll(async () => {
  stack = await startTwoNodes();
});

afterAll(async () => {
  await stack?.stop();
});

describe("two nodes on one machine", () => {
  it("connects both agents and places employees on both, each on its own engine", async () => {
    const { "node-a": a, "node-b": b } = stack.nodes;
    expect(a.id).not.toBe(b.id);
    const rows = stack.d1("SELECT name, status FROM nodes ORDER BY name");
    expect(rows).toEqual([
      { name: "node-a", status: "online" },
      { name: "node-b", status: "online" },
    ]);

    const watch = new RunningWatch(stack.nodes).start();
    const hired: Hired[] = [];
    for (let i = 0; i < 4; i++) hired.push(await hireOwn(stack.edgeUrl, `Two ${i}`));
    for (const h of hired) await waitRunning(h.client, h.id);
    const ids = hired.map((h) => h.id);

    const placedOn = new Map<string, string>();
    for (const { id, client } of hired) {
      const e = await getEmployee(client, id);
      const node = stack.nodeById(e.node);
      expect(node, `${id} is placed on a node of this stack`).toBeDefined();
      if (!node) continue;
      placedOn.set(id, node.name);
      // It runs on its node's engine, and only there.
      expect(node.containerState(id)).toBe("running");
      const other = node === a ? b : a;
      expect(other.containerState(id)).toBeNull();
      expect(await stack.whereRunning(id)).toBe(node.name);
      // On that node's own network and disk.
      expect(
        node.engine.docker(
          "inspect",
          "-f",
          "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}",
          `iw-employee-${id}`,
        ),
      ).toBe(`iw-${node.name}`);
      expect(existsSync(node.diskPaths(id).image)).toBe(true);
    }
    expect(new Set(placedOn.values())).toEqual(new Set(["node-a", "node-b"]));
    // Distinct subnets: each engine allocates from its own pool.
    expect(
      a.engine.docker("network", "inspect", "-f", "{{json .IPAM.Config}}", "iw-node-a"),
    ).toContain("10.213.");
    expect(
      b.engine.docker("network", "inspect", "-f", "{{json .IPAM.Config}}", "iw-node-b"),
    ).toContain("10.214.");

    // Markers go into the employee's memory and come back.
    for (const id of ids) {
      const node = stack.nodes[placedOn.get(id) === "node-a" ? "node-a" : "node-b"];
      expect(node.readMarker(id)).toBeNull();
      node.writeMarker(id, `marker of ${id}`);
      expect(node.readMarker(id)).toBe(`marker of ${id}`);
    }

    await waitUntil("the watch to poll", () => watch.polls >= 5, 10_000, 100);
    watch.stop();
    expect(watch.twice).toEqual([]);
    for (const id of ids)
      expect(watch.seen(id, placedOn.get(id) === "node-a" ? "node-a" : "node-b")).toBeDefined();
  });

  it("removes an employee's container and disk by hand", async () => {
    const { id, client } = await hireOwn(stack.edgeUrl, "Gone");
    const e = await waitRunning(client, id);
    const node = stack.nodeById(e.node);
    if (!node) throw new Error("not placed on this stack");
    node.writeMarker(id, "about to be lost");
    node.removeByHand(id);
    expect(node.containerState(id)).toBeNull();
    expect(existsSync(node.diskPaths(id).image)).toBe(false);
    expect(existsSync(node.diskPaths(id).mountpoint)).toBe(false);
  });

  it("stops an agent for good and starts it again; powers a node off and on", async () => {
    const a = stack.nodes["node-a"];
    const pid = a.pid;
    expect(pid).toBeGreaterThan(0);
    await a.stopAgent("SIGKILL");
    expect(a.pid).toBeUndefined();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    await a.startAgent();
    expect(a.pid).not.toBe(pid);

    await a.powerOff();
    expect(a.engine.answers()).toBe(false);
    expect(await a.running()).toEqual([]);
    await a.powerOn();
    expect(a.engine.answers()).toBe(true);
    expect(a.pid).toBeGreaterThan(0);
  });
});
