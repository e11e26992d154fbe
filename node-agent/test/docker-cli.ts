import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";

// The tests check Docker through its own CLI, independently of the dockerode code under test.
export function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

export function dockerStatus(...args: string[]): { code: number; out: string } {
  const r = spawnSync("docker", args, { encoding: "utf8" });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
}

export function containersOf(employeeId: string): string[] {
  const out = docker("ps", "-a", "-q", "--filter", `label=instantworker.employee=${employeeId}`);
  return out ? out.split("\n") : [];
}

export function volumeExists(name: string): boolean {
  return dockerStatus("volume", "inspect", name).code === 0;
}

/** Whether the engine offers gVisor (ensure-docker.sh registers Debian's runsc where it can). */
export const gvisorOffered = (): boolean =>
  Object.keys(JSON.parse(docker("info", "--format", "{{json .Runtimes}}"))).includes("runsc");

/** A test file's supply of employees: a new id under its prefix at each call. */
export function specsUnder(prefix: string, skills: string[] = []): () => EmployeeSpec {
  let n = 0;
  return () => ({
    employeeId: `${prefix}${++n}`,
    accountId: "user-1",
    name: "Test",
    role: "researcher",
    tone: "concise",
    skills,
  });
}

/** A test file's own folder for employees' disks (the agent's STATE_DIR/disks). */
export const testDisksRoot = (prefix: string) =>
  path.join(os.tmpdir(), `iw-disks-${prefix.replace(/-$/, "")}`);

/**
 * Unmounts whatever is mounted under dir (lazily: a container may still hold it), then deletes it.
 * Retries for a few seconds: right after `docker rm -f` the agent can still be mounting or
 * unmounting the disk, and a delete then fails with EBUSY (seen once in CI).
 */
export function removeMountedTree(dir: string, waitMs = 10_000): void {
  const base = path.resolve(dir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const mounted = readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "))
      .filter((m) => m === base || m.startsWith(`${base}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounted) spawnSync("umount", ["-l", m]);
    try {
      rmSync(base, { recursive: true, force: true });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== "EBUSY" && code !== "ENOTEMPTY") || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

export function removeTestEmployees(prefix: string): void {
  const ids = docker(
    "ps",
    "-a",
    "--filter",
    "label=instantworker.managed=true",
    "--format",
    '{{.ID}} {{.Label "instantworker.employee"}}',
  )
    .split("\n")
    .filter((l) => l.split(" ")[1]?.startsWith(prefix))
    .map((l) => l.split(" ")[0] ?? "");
  if (ids.length) dockerStatus("rm", "-f", ...ids);
  const volumes = docker("volume", "ls", "-q", "--filter", "label=instantworker.managed=true")
    .split("\n")
    .filter((v) => v.includes(`iw-employee-${prefix}`));
  if (volumes.length) dockerStatus("volume", "rm", "-f", ...volumes);
  removeMountedTree(testDisksRoot(prefix));
}

// Everything a test stack created on its own network, whatever ids it used (also after a crash).
export function removeContainersOnNetwork(network: string): void {
  const ids = docker(
    "ps",
    "-a",
    "-q",
    "--filter",
    `network=${network}`,
    "--filter",
    "label=instantworker.managed=true",
  );
  if (!ids) return;
  const list = ids.split("\n");
  const employees = list.map((id) =>
    docker("inspect", "-f", '{{index .Config.Labels "instantworker.employee"}}', id),
  );
  dockerStatus("rm", "-f", ...list);
  for (const e of employees) dockerStatus("volume", "rm", "-f", `iw-employee-${e}-data`);
}
