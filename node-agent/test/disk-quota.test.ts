import { statfsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import {
  containersOf,
  docker,
  dockerStatus,
  removeTestEmployees,
  volumeExists,
} from "./docker-cli.ts";

// An employee cannot fill the node's disk: its volume has a size the engine enforces (the local
// driver's `size`, XFS project quotas), its root is read-only and its /tmp a bounded tmpfs. An
// engine that cannot enforce sizes gets no employee at all. Which of the two volume tests runs
// depends on the kernel: one without XFS quotas (CONFIG_XFS_QUOTA, as on the project's VMs) can
// only show the refusal; a server set up as README's "Deploy a node" says shows the quota.

const PREFIX = `q${process.pid}-`;
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const QUOTA_BYTES = 64 * 1024 * 1024;
const log = createLogger("warn");
const VOLUMES_DIR = "/var/lib/docker/volumes";

function engineSizesVolumes(): boolean {
  const probe = `iw-quota-check-${process.pid}`;
  const made = dockerStatus("volume", "create", "--opt", "size=16m", probe);
  if (made.code === 0) dockerStatus("volume", "rm", probe);
  return made.code === 0;
}
const sizes = engineSizesVolumes();

let n = 0;
const spec = (): EmployeeSpec => ({
  employeeId: `${PREFIX}${++n}`,
  userId: "user-1",
  name: "Test",
  role: "researcher",
  tone: "concise",
  skills: [],
});

const runtime = (diskQuota: "required" | "off") =>
  new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 512, // /tmp's pages count as memory: room for all 256 MB of it
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 60_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    diskBytes: QUOTA_BYTES,
    diskQuota,
    firewall: "off", // the network boundary has its own test
    log,
  });

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

afterAll(() => removeTestEmployees(PREFIX));

describe("an employee's disk", () => {
  it.runIf(sizes)(
    "a write past the volume's size fails inside; the node's disk is untouched",
    async () => {
      const s = spec();
      await runtime("required").provision(s);
      const name = `iw-employee-${s.employeeId}`;
      const before = freeBytes(VOLUMES_DIR);
      const fill = dockerStatus(
        "exec",
        name,
        "sh",
        "-c",
        `busybox dd if=/dev/zero of=/data/fill bs=1M count=${(2 * QUOTA_BYTES) / 1024 / 1024}`,
      );
      expect(fill.code).not.toBe(0);
      expect(fill.out).toMatch(/No space left on device|Disk quota exceeded/);
      const written = Number(docker("exec", name, "busybox", "stat", "-c", "%s", "/data/fill"));
      expect(written).toBeLessThanOrEqual(QUOTA_BYTES);
      expect(before - freeBytes(VOLUMES_DIR)).toBeLessThanOrEqual(QUOTA_BYTES + 8 * 1024 * 1024);
      expect(
        docker("volume", "inspect", "-f", "{{.Options.size}}", `iw-employee-${s.employeeId}-data`),
      ).toBe(String(QUOTA_BYTES));
    },
  );

  it.runIf(!sizes)(
    "an engine that cannot size volumes gets no employee, with the reason",
    async () => {
      const s = spec();
      const err = await runtime("required")
        .provision(s)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect(err).toMatchObject({ code: "isolation_unavailable", retryable: false });
      expect((err as Error).message).toMatch(/disk space/);
      expect(containersOf(s.employeeId)).toHaveLength(0);
      expect(volumeExists(`iw-employee-${s.employeeId}-data`)).toBe(false);
      // Development may say so explicitly, and then gets its employee.
      expect((await runtime("off").provision(s)).state).toBe("running");
    },
  );

  it("has a read-only root and a /tmp that stops at its size", async () => {
    const s = spec();
    await runtime("off").provision(s);
    const name = `iw-employee-${s.employeeId}`;
    expect(dockerStatus("exec", name, "touch", "/etc/owned").code).not.toBe(0);
    const tmp = dockerStatus(
      "exec",
      name,
      "sh",
      "-c",
      "busybox dd if=/dev/zero of=/tmp/fill bs=1M count=300",
    );
    expect(tmp.code).not.toBe(0);
    expect(tmp.out).toMatch(/No space left on device/);
    expect(
      Number(docker("exec", name, "busybox", "stat", "-c", "%s", "/tmp/fill")),
    ).toBeLessThanOrEqual(256 * 1024 * 1024);
  });
});
