import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { isMounted } from "../runtime/docker/employee-disks.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import {
  containersOf,
  docker,
  dockerStatus,
  gvisorOffered,
  removeMountedTree,
  removeTestEmployees,
  specsUnder,
  testDisksRoot,
  volumeExists,
} from "./docker-cli.ts";

// An employee cannot fill the node's disk: its /data is an ext4 file system of its own (a sparse
// image loop-mounted by the agent), its root is read-only and its /tmp a bounded tmpfs. A node
// where such disks cannot be made gets no employee at all. After a reboot the disk is mounted
// again before the employee runs on it.

const PREFIX = `q${process.pid}-`;
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const QUOTA_BYTES = 64 * 1024 * 1024;
// ext4's own metadata (the journal above all) on top of what the employee may write.
const FS_OVERHEAD_BYTES = 8 * 1024 * 1024;
const DISCARD_WAIT_MS = 30_000;
const DISKS = testDisksRoot(PREFIX);
const log = createLogger("warn");
const sandboxes = ["runc", ...(gvisorOffered() ? (["runsc"] as const) : [])] as const;

const spec = specsUnder(PREFIX);

const runtime = (
  over: { diskQuota?: "required" | "off"; disksRoot?: string; sandbox?: "runc" | "runsc" } = {},
) =>
  new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 512, // /tmp's pages count as memory: room for all 256 MB of it
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 60_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    disksRoot: DISKS,
    diskBytes: QUOTA_BYTES,
    firewall: "off", // the network boundary has its own test
    log,
    ...over,
  });

// What the employee's disk takes of the node's: the image file's allocated blocks.
const allocatedBytes = (file: string) => statSync(file).blocks * 512;
const inside = (id: string, script: string) =>
  dockerStatus("exec", `iw-employee-${id}`, "sh", "-c", script);

async function eventually(check: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const readOnly: string[] = [];
afterAll(() => {
  removeTestEmployees(PREFIX);
  for (const dir of readOnly) removeMountedTree(dir);
});

describe.each(sandboxes)("an employee's disk under %s", (sandbox) => {
  it("a write past its size fails inside with ENOSPC; the node's disk is untouched", async () => {
    const s = spec();
    await runtime({ sandbox }).provision(s);
    const image = path.join(DISKS, `${s.employeeId}.ext4`);
    expect(docker("inspect", "-f", "{{.HostConfig.Runtime}}", `iw-employee-${s.employeeId}`)).toBe(
      sandbox,
    );
    // What the image brought in /data is there, owned by the employee.
    expect(inside(s.employeeId, "ls -A /data").out).toContain(".keep");
    expect(inside(s.employeeId, "busybox stat -c %u /data").out).toBe("1000");
    const fill = inside(
      s.employeeId,
      `busybox dd if=/dev/zero of=/data/fill bs=1M count=${(2 * QUOTA_BYTES) / 1024 / 1024}`,
    );
    expect(fill.code).not.toBe(0);
    expect(fill.out).toMatch(/No space left on device/);
    const written = Number(inside(s.employeeId, "busybox stat -c %s /data/fill").out);
    expect(written).toBeGreaterThan(QUOTA_BYTES / 2);
    expect(written).toBeLessThanOrEqual(QUOTA_BYTES);
    // The node's disk gave no more than the disk's size.
    expect(allocatedBytes(image)).toBeLessThanOrEqual(QUOTA_BYTES + FS_OVERHEAD_BYTES);
    // Space the employee frees comes back to the node.
    expect(inside(s.employeeId, "rm /data/fill && sync").code).toBe(0);
    expect(inside(s.employeeId, "echo more > /data/more").code).toBe(0);
    await eventually(
      () => expect(allocatedBytes(image)).toBeLessThan(QUOTA_BYTES / 2),
      DISCARD_WAIT_MS,
    );
  });
});

describe("an employee's disk", () => {
  it("is mounted again after a reboot before the employee runs on it", async () => {
    const s = spec();
    const name = `iw-employee-${s.employeeId}`;
    const mountpoint = path.join(DISKS, s.employeeId);
    const rt = runtime();
    await rt.provision(s);
    expect(inside(s.employeeId, "echo remembered > /data/note").code).toBe(0);

    // A reboot: the container stopped, the disk no longer mounted. Starting mounts it first.
    await rt.stop(s.employeeId);
    execFileSync("umount", [mountpoint]);
    expect((await rt.start(s.employeeId)).state).toBe("running");
    expect(await isMounted(mountpoint)).toBe(true);
    expect(inside(s.employeeId, "cat /data/note").out).toBe("remembered");

    // dockerd started the employee at boot before the agent (a container made with an older
    // agent's restart policy): the bare mount point is not the employee's to write. The agent's
    // start mounts the disk and stops the employee (nothing runs before the edge's reconcile);
    // the edge's start then runs it on its disk.
    await rt.stop(s.employeeId);
    execFileSync("umount", [mountpoint]);
    docker("start", name);
    expect(inside(s.employeeId, "cat /data/note").code).not.toBe(0);
    expect(inside(s.employeeId, "echo x > /data/stray").code).not.toBe(0);
    await runtime().prepare({ relayPort: 0 });
    expect(await isMounted(mountpoint)).toBe(true);
    expect(docker("inspect", "-f", "{{.State.Running}}", name)).toBe("false");
    expect((await rt.start(s.employeeId)).state).toBe("running");
    await eventually(
      () => expect(inside(s.employeeId, "cat /data/note").out).toBe("remembered"),
      30_000,
    );
  });

  it("a node that cannot make disks gets no employee, with the reason", async () => {
    // A state folder the agent cannot write to, as on a node without loop devices or root: the
    // disk cannot be made.
    const dir = mkdtempSync(path.join(os.tmpdir(), `iw-ro-${process.pid}-`));
    readOnly.push(dir);
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir]);
    const s = spec();
    const err = await runtime({ disksRoot: path.join(dir, "disks") })
      .provision(s)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: "isolation_unavailable", retryable: false });
    expect((err as Error).message).toMatch(/disk space \(.*iw-ro-/);
    expect(containersOf(s.employeeId)).toHaveLength(0);
    expect(volumeExists(`iw-employee-${s.employeeId}-data`)).toBe(false);
    expect(existsSync(path.join(DISKS, `${s.employeeId}.ext4`))).toBe(false);
    // Development may say so explicitly, and then gets its employee on an unbounded volume.
    expect((await runtime({ diskQuota: "off" }).provision(s)).state).toBe("running");
    expect(volumeExists(`iw-employee-${s.employeeId}-data`)).toBe(true);
  });

  it("has a read-only root and a /tmp that stops at its size", async () => {
    const s = spec();
    await runtime().provision(s);
    const name = `iw-employee-${s.employeeId}`;
    expect(dockerStatus("exec", name, "touch", "/etc/owned").code).not.toBe(0);
    const tmp = inside(s.employeeId, "busybox dd if=/dev/zero of=/tmp/fill bs=1M count=300");
    expect(tmp.code).not.toBe(0);
    expect(tmp.out).toMatch(/No space left on device/);
    expect(
      Number(docker("exec", name, "busybox", "stat", "-c", "%s", "/tmp/fill")),
    ).toBeLessThanOrEqual(256 * 1024 * 1024);
  });
});
