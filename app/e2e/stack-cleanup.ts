import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// The local stack's agent leaves what it runs when Playwright stops it (as a node keeps its
// employees across an agent restart). A test run must not: its employees' containers go, and the
// disks mounted at their /data are unmounted, which frees their loop devices. (This runs in a
// process of its own, so it finds the disks through the containers, not the config's state dir.)
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

function employeeContainers(network: string): string[] {
  try {
    const ids = run("docker", [
      "ps",
      "-aq",
      "--filter",
      `network=${network}`,
      "--filter",
      "label=instantworker.managed=true",
    ]);
    return ids ? ids.split("\n") : [];
  } catch {
    return []; // no engine: nothing was started
  }
}

/** Removes the employees of the local stack on `network` and unmounts their disks. */
export function removeStackEmployees(network: string) {
  const ids = employeeContainers(network);
  if (ids.length === 0) return;
  const disks = ids.map((id) =>
    run("docker", [
      "inspect",
      "-f",
      '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Source}}{{end}}{{end}}',
      id,
    ]),
  );
  run("docker", ["rm", "-f", ...ids]);
  const mounted = new Set(
    readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1] ?? ""),
  );
  for (const disk of disks.filter((d) => d && mounted.has(d))) {
    try {
      run("umount", [disk]);
    } catch {
      run("umount", ["-l", disk]);
    }
  }
}
