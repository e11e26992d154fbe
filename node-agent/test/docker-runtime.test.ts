import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { isMounted } from "../runtime/docker/employee-disks.ts";
import type { RuntimeEvent } from "../runtime/employee-runtime.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import {
  containersOf,
  docker,
  dockerStatus,
  removeTestEmployees,
  specsUnder,
  testDisksRoot,
} from "./docker-cli.ts";

const PREFIX = `t${process.pid}-`;
const log = createLogger("warn");
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const DISKS = testDisksRoot(PREFIX);

function runtime(over: Partial<ConstructorParameters<typeof DockerRuntime>[0]> = {}) {
  return new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 30_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    disksRoot: DISKS,
    log,
    ...over,
  });
}

const spec = specsUnder(PREFIX, ["web-research"]);

afterAll(() => removeTestEmployees(PREFIX));

describe("docker runtime", () => {
  it("provisions one healthy container however often and however concurrently it is asked", async () => {
    const rt = runtime();
    const s = spec();
    const [a, b] = await Promise.all([rt.provision(s), rt.provision(s)]);
    const c = await rt.provision(s);
    expect(a.state).toBe("running");
    expect(new Set([a.containerId, b.containerId, c.containerId]).size).toBe(1);
    expect(containersOf(s.employeeId)).toHaveLength(1);
    expect(docker("inspect", "-f", "{{.State.Health.Status}}", `iw-employee-${s.employeeId}`)).toBe(
      "healthy",
    );
  });

  it("hardens the container: inspect and from inside", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s);
    const name = `iw-employee-${s.employeeId}`;
    const hc = JSON.parse(docker("inspect", "-f", "{{json .HostConfig}}", name)) as Record<
      string,
      unknown
    >;
    expect(hc.CapDrop).toEqual(["ALL"]);
    expect(hc.CapAdd ?? null).toBeNull();
    expect(hc.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(hc.Privileged).toBe(false);
    expect(hc.ReadonlyRootfs).toBe(true);
    // Scaled under gVisor, whose own threads count too (container-config.ts).
    expect(hc.PidsLimit).toBe(hc.Runtime === "runsc" ? 256 : 64);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.NanoCpus).toBe(500_000_000);
    expect(hc.PublishAllPorts).toBe(false);
    expect(Object.keys((hc.PortBindings as object | null) ?? {})).toHaveLength(0);
    // dockerd never starts it by itself (restart-policy.test.ts): only the agent, when asked.
    expect((hc.RestartPolicy as { Name: string }).Name).toBe("no");
    expect(docker("inspect", "-f", "{{json .Config.User}}", name)).toBe('"1000:1000"');
    const mounts = JSON.parse(docker("inspect", "-f", "{{json .Mounts}}", name)) as {
      Source: string;
      Destination: string;
      Type: string;
      RW: boolean;
    }[];
    // Its own disk, and its account's shared files read-only; nothing else of the host.
    expect(mounts.map((m) => [m.Destination, m.RW]).sort()).toEqual([
      ["/data", true],
      ["/data/workspace/team-files", false],
    ]);
    expect(mounts.some((m) => m.Source.includes("docker.sock"))).toBe(false);
    expect(docker("port", name)).toBe("");

    // From inside: no capabilities, no privilege escalation, read-only root, a non-root user,
    // and a process limit that holds.
    const status = docker("exec", name, "cat", "/proc/self/status");
    expect(status).toMatch(/CapEff:\s+0000000000000000/);
    expect(status).toMatch(/CapPrm:\s+0000000000000000/);
    // gVisor's /proc does not show the flag; the engine set it (SecurityOpt above).
    if (hc.Runtime === "runc") expect(status).toMatch(/NoNewPrivs:\s+1/);
    expect(docker("exec", name, "id", "-u")).toBe("1000");
    expect(dockerStatus("exec", name, "touch", "/etc/owned").code).not.toBe(0);
    expect(dockerStatus("exec", name, "touch", "/tmp/scratch").code).toBe(0);
    expect(dockerStatus("exec", name, "touch", "/data/kept").code).toBe(0);
    expect(dockerStatus("exec", name, "sh", "-c", "ls /var/run/docker.sock").code).not.toBe(0);
  });

  it("stops, starts and restarts the same container; data on its disk survives", async () => {
    const rt = runtime();
    const s = spec();
    const first = await rt.provision(s);
    docker("exec", `iw-employee-${s.employeeId}`, "sh", "-c", "echo remembered > /data/note");
    expect((await rt.stop(s.employeeId)).state).toBe("stopped");
    expect((await rt.stop(s.employeeId)).state).toBe("stopped"); // twice is fine
    expect((await rt.start(s.employeeId)).containerId).toBe(first.containerId);
    expect((await rt.restart(s.employeeId)).state).toBe("running");
    expect(docker("exec", `iw-employee-${s.employeeId}`, "cat", "/data/note")).toBe("remembered");
    expect(containersOf(s.employeeId)).toHaveLength(1);
  });

  it("rebuilds its inventory from Docker alone (a new runtime object knows everything)", async () => {
    const s = spec();
    await runtime().provision(s);
    const fresh = runtime();
    const found = (await fresh.inventory()).find((i) => i.employeeId === s.employeeId);
    expect(found).toMatchObject({ state: "running" });
    expect(found?.containerId).toBe(
      docker("inspect", "-f", "{{.Id}}", `iw-employee-${s.employeeId}`),
    );
  });

  it("turns Docker's events and health checks into runtime events", async () => {
    const rt = runtime();
    const s = spec();
    const events: RuntimeEvent[] = [];
    const unwatch = rt.watch((e) => {
      if (e.employeeId === s.employeeId) events.push(e);
    });
    await new Promise((r) => setTimeout(r, 300)); // let the stream attach
    await rt.provision(s);
    docker("exec", `iw-employee-${s.employeeId}`, "touch", "/tmp/sick");
    const deadline = Date.now() + 20_000;
    while (
      !events.some((e) => e.type === "health" && e.health === "unhealthy") &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    unwatch();
    const types = events.map((e) => (e.type === "health" ? `health:${e.health}` : e.type));
    expect(types).toEqual(
      expect.arrayContaining(["created", "started", "health:healthy", "health:unhealthy"]),
    );
    // Restarting clears /tmp (tmpfs), so the employee is healthy again: self-healing works.
    expect((await rt.restart(s.employeeId)).state).toBe("running");
  });

  it("removes container and disk, and removing twice is fine", async () => {
    const rt = runtime();
    const s = spec();
    await rt.provision(s);
    const image = path.join(DISKS, `${s.employeeId}.ext4`);
    const mountpoint = path.join(DISKS, s.employeeId);
    expect(existsSync(image)).toBe(true);
    expect(await isMounted(mountpoint)).toBe(true);
    await rt.remove(s.employeeId);
    await rt.remove(s.employeeId);
    expect(containersOf(s.employeeId)).toHaveLength(0);
    expect(await isMounted(mountpoint)).toBe(false);
    expect(existsSync(image)).toBe(false);
    expect(existsSync(mountpoint)).toBe(false);
    expect(await rt.inventory()).not.toContainEqual(
      expect.objectContaining({ employeeId: s.employeeId }),
    );
  });

  it("removes containers the edge does not know, only after the grace period", async () => {
    const rt = runtime();
    const known = spec();
    const orphan = spec();
    await Promise.all([rt.provision(known), rt.provision(orphan)]);
    const keep = new Set([
      known.employeeId,
      ...(await rt.inventory()).map((i) => i.employeeId).filter((id) => !id.startsWith(PREFIX)),
    ]);
    expect(await rt.sweepOrphans(keep, 60 * 60_000)).toEqual([]);
    expect(containersOf(orphan.employeeId)).toHaveLength(1);
    const removed = await rt.sweepOrphans(
      new Set([
        ...keep,
        ...(await rt.inventory()).map((i) => i.employeeId).filter((id) => id !== orphan.employeeId),
      ]),
      0,
    );
    expect(removed).toEqual([orphan.employeeId]);
    expect(containersOf(orphan.employeeId)).toHaveLength(0);
    expect(containersOf(known.employeeId)).toHaveLength(1);
  });

  it("fails a missing image at once, as not retryable, and creates nothing", async () => {
    const rt = runtime({ image: "instantworker/does-not-exist:0" });
    const s = spec();
    const err = await rt.provision(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: "image_missing", retryable: false });
    expect(containersOf(s.employeeId)).toHaveLength(0);
  });
});
