// Fencing on the node against the real engine (issue 16): the container carries its placement's
// generation and the inventory reports it; dockerd is never asked to start it by itself; at a
// reconcile a copy older than the edge's placement is stopped at once, never started again, its
// disk kept past the orphan sweep until STALE_DISK_KEEP_MS and then removed; the edge placing it
// here anew makes a new container on the same disk.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STALE_DISK_KEEP_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { StaleMarkers } from "../runtime/stale-markers.ts";
import {
  containersOf,
  docker,
  removeTestEmployees,
  specsUnder,
  testDisksRoot,
} from "./docker-cli.ts";

const PREFIX = `f${process.pid}-`;
const log = createLogger("warn");
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const DISKS = testDisksRoot(PREFIX);
const STATE = path.join(DISKS, "state");

const runtime = () =>
  new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 30_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    disksRoot: DISKS,
    stateDir: STATE,
    log,
  });
const spec = specsUnder(PREFIX);
const label = (id: string) =>
  docker(
    "inspect",
    "-f",
    '{{index .Config.Labels "instantworker.generation"}}',
    `iw-employee-${id}`,
  );
const running = (id: string) =>
  docker("inspect", "-f", "{{.State.Running}}", `iw-employee-${id}`) === "true";

afterAll(() => removeTestEmployees(PREFIX));

describe("fencing on the node", () => {
  it("labels the container with the command's generation and reports it in the inventory", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s, 7);
    expect(label(s.employeeId)).toBe("7");
    const mine = (await rt.inventory()).find((i) => i.employeeId === s.employeeId);
    expect(mine).toMatchObject({ state: "running", generation: 7 });
    expect(
      docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", `iw-employee-${s.employeeId}`),
    ).toBe("no");
  });

  it("stops a stale copy at once, keeps it and its disk past the sweep, removes it after the keep time", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s, 2);
    docker("exec", `iw-employee-${s.employeeId}`, "sh", "-c", "echo mine > /data/note");
    // The edge placed the employee anew (generation 3) while this node was away.
    const held = await rt.fenceStale(
      [{ employeeId: s.employeeId, generation: 3 }],
      new Set([s.employeeId]),
    );
    expect(running(s.employeeId)).toBe(false);
    expect(held.has(s.employeeId)).toBe(true);
    const markers = new StaleMarkers(STATE);
    expect(markers.get(s.employeeId)).toMatchObject({ generation: 2 });
    // Not kept any more (the edge released it): the orphan sweep leaves what is held.
    const again = await rt.fenceStale([], new Set());
    expect(again.has(s.employeeId)).toBe(true);
    expect(await rt.sweepOrphans(again, 0)).not.toContain(s.employeeId);
    expect(containersOf(s.employeeId)).toHaveLength(1);
    expect(existsSync(path.join(DISKS, `${s.employeeId}.ext4`))).toBe(true);
    // Past the keep time it goes, disk and all.
    const file = path.join(STATE, "stale", `${s.employeeId}.json`);
    const marker = JSON.parse(readFileSync(file, "utf8")) as { stoppedAt: number };
    writeFileSync(
      file,
      JSON.stringify({ ...marker, stoppedAt: Date.now() - STALE_DISK_KEEP_MS - 1 }),
    );
    const after = await rt.fenceStale([], new Set());
    expect(after.has(s.employeeId)).toBe(false);
    expect(containersOf(s.employeeId)).toHaveLength(0);
    expect(existsSync(path.join(DISKS, `${s.employeeId}.ext4`))).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it("a copy of the current generation or without one is left running", async () => {
    const rt = runtime();
    const current = spec();
    const legacy = spec();
    await rt.provision(current, 5);
    await rt.provision(legacy);
    const held = await rt.fenceStale(
      [
        { employeeId: current.employeeId, generation: 5 },
        { employeeId: legacy.employeeId, generation: 9 },
      ],
      new Set([current.employeeId, legacy.employeeId]),
    );
    expect(held.size).toBe(0);
    expect(running(current.employeeId)).toBe(true);
    expect(running(legacy.employeeId)).toBe(true);
  });

  it("placed here anew: a provision of a newer generation makes a new container on the same disk", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s, 1);
    docker("exec", `iw-employee-${s.employeeId}`, "sh", "-c", "echo kept > /data/note");
    await rt.fenceStale([{ employeeId: s.employeeId, generation: 2 }], new Set([s.employeeId]));
    const before = containersOf(s.employeeId);
    await rt.provision(s, 2);
    expect(containersOf(s.employeeId)).not.toEqual(before);
    expect(label(s.employeeId)).toBe("2");
    expect(docker("exec", `iw-employee-${s.employeeId}`, "cat", "/data/note")).toBe("kept");
    expect(new StaleMarkers(STATE).get(s.employeeId)).toBeNull();
  });

  it("turns off dockerd's own restarts of a container made before (prepare)", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s, 1);
    const name = `iw-employee-${s.employeeId}`;
    // gVisor refuses `docker update` of a running container; a stopped one is what a reboot
    // leaves, and a running one is changed at its next stop.
    await rt.stop(s.employeeId);
    docker("update", "--restart", "unless-stopped", name);
    await rt.prepare({ relayPort: 0 }).catch(() => undefined);
    expect(docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", name)).toBe("no");
    // Started by dockerd's policy before the agent could change it: changed at its next stop.
    docker("update", "--restart", "unless-stopped", name);
    docker("start", name);
    await rt.stop(s.employeeId);
    expect(docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", name)).toBe("no");
  });
});
