import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, realpathSync, rmSync } from "node:fs";
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

// /proc/self/mounts escapes space, tab, newline and backslash in octal.
const unescapeMountPath = (p: string) =>
  p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

/** What is mounted at or under base (a real path), deepest first. */
function mountsUnder(base: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => unescapeMountPath(l.split(" ")[1] ?? ""))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts whatever is mounted under dir (lazily: a container may still hold it), then deletes it.
 * Retries for a few seconds: right after `docker rm -f` the agent can still be mounting or
 * unmounting the disk, and a delete then fails with EBUSY (seen in CI).
 */
export function removeMountedTree(dir: string, waitMs = 10_000): void {
  // The mount table names real paths: the folder may sit behind a symbolic link (as the agent's
  // own isMounted knows), and a path that does not match is never unmounted.
  let base: string;
  try {
    base = realpathSync(path.resolve(dir));
  } catch {
    return; // nothing there
  }
  const deadline = Date.now() + waitMs;
  const unmounted: string[] = [];
  for (;;) {
    for (const m of mountsUnder(base)) {
      const r = spawnSync("umount", ["-l", m], { encoding: "utf8" });
      unmounted.push(`${m}: ${r.status === 0 ? "unmounted" : `umount said ${r.stderr.trim()}`}`);
    }
    try {
      rmSync(base, { recursive: true, force: true });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EBUSY" && code !== "ENOTEMPTY") throw err;
      if (Date.now() > deadline) {
        // Says why, for the next one to read: what is mounted there now, and what was unmounted.
        throw new Error(
          `could not remove ${base} (${code}); mounted there now: ${JSON.stringify(mountsUnder(base))}; ` +
            `unmounts: ${JSON.stringify(unmounted.slice(-10))}`,
        );
      }
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
