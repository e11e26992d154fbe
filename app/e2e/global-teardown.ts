import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { STATE_DIR, UI_NETWORK } from "./playwright.config.ts";

// The local stack's agent leaves what it runs when Playwright stops it (as a node keeps its
// employees across an agent restart). A test run must not: its employees' containers go, and
// their disks under this run's state folder are unmounted, which frees their loop devices.
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

export default function teardown() {
  try {
    const ids = run("docker", [
      "ps",
      "-aq",
      "--filter",
      `network=${UI_NETWORK}`,
      "--filter",
      "label=instantworker.managed=true",
    ]);
    if (ids) run("docker", ["rm", "-f", ...ids.split("\n")]);
  } catch {
    // No engine: nothing was started.
  }
  const disks = `${STATE_DIR}/agent-state/disks/`;
  const mounted = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((mountpoint) => mountpoint.startsWith(disks));
  for (const mountpoint of mounted) {
    try {
      run("umount", [mountpoint]);
    } catch {
      run("umount", ["-l", mountpoint]);
    }
  }
}
