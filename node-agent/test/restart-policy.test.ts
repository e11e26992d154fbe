// Whether dockerd starts an employee container by itself at its own boot (issue 16: a node back
// from the dead must run nothing before the edge reconciles it). Measured on a private dockerd
// (its own data root, exec root, socket, no bridge or iptables) so that the machine's engine and
// everyone's containers on it are never touched: the engine is stopped cleanly (SIGTERM, as
// `systemctl restart docker` does) and killed with every process of it (a power loss), and
// started again each time. An "unless-stopped" container alongside shows the test would see it.
import { type ChildProcess, execFileSync, execSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { employeeContainer } from "../runtime/docker/container-config.ts";
import { removeMountedTree } from "./docker-cli.ts";

const IMAGE = "instantworker/busybox-base:1";
const READY_TIMEOUT_MS = 60_000;
const dir = mkdtempSync("/tmp/iw-pd-");
const host = `unix://${dir}/docker.sock`;
let engine: ChildProcess | undefined;

// The policy every employee container gets, read from the real spec.
const policy = employeeContainer(
  { employeeId: "x", accountId: "a", name: "x", role: "r", tone: "t", skills: [] },
  { image: IMAGE, memoryMb: 64, cpus: 0.1, pidsLimit: 16, network: "none", teamFilesRoot: "/tmp" },
).HostConfig?.RestartPolicy?.Name;

const d = (...args: string[]) =>
  execFileSync("docker", ["-H", host, ...args], { encoding: "utf8" }).trim();

async function startEngine(): Promise<void> {
  const log = openSync(path.join(dir, "dockerd.log"), "a");
  engine = spawn(
    "dockerd",
    [
      `--host=${host}`,
      `--data-root=${dir}/root`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/dockerd.pid`,
      "--bridge=none",
      "--iptables=false",
      "--ip-masq=false",
      "--ip-forward=false",
    ],
    {
      stdio: ["ignore", log, log],
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    },
  );
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (spawnSync("docker", ["-H", host, "info"]).status !== 0) {
    if (Date.now() > deadline)
      throw new Error(
        `the private dockerd did not answer:\n${readFileSync(path.join(dir, "dockerd.log"), "utf8").split("\n").slice(-25).join("\n")}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function stopEngine(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  const proc = engine;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  if (signal === "SIGKILL") {
    // A power loss: the engine, its containerd, every shim and every process in a container.
    const shims = spawnSync("pgrep", ["-f", `containerd-shim.*${dir}/exec`], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean);
    const tree = (pid: string): string[] => [
      pid,
      ...spawnSync("pgrep", ["-P", pid], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)
        .flatMap(tree),
    ];
    const all = [String(proc.pid), ...shims].flatMap(tree);
    spawnSync("kill", ["-KILL", ...all]);
  } else proc.kill("SIGTERM");
  await exited;
  // Left behind by a killed engine, and refused by the next one.
  rmSync(path.join(dir, "dockerd.pid"), { force: true });
  // A reboot empties /run, where the exec root lives (containerd's pid file and socket among it).
  if (signal === "SIGKILL") removeMountedTree(path.join(dir, "exec"));
}

const isRunning = (name: string) => d("inspect", "-f", "{{.State.Running}}", name) === "true";

beforeAll(async () => {
  await startEngine();
  execSync(`docker save ${IMAGE} | docker -H ${host} load`, { stdio: "ignore" });
}, 120_000);

afterAll(async () => {
  spawnSync("docker", ["-H", host, "rm", "-f", "ours", "control"]);
  await stopEngine("SIGTERM");
  removeMountedTree(dir);
}, 60_000);

describe("dockerd at its own boot", () => {
  it("employees carry a restart policy dockerd never applies", () => {
    expect(policy).toBe("no");
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`starts no employee container after a ${signal === "SIGTERM" ? "clean stop" : "power loss"}`, async () => {
      spawnSync("docker", ["-H", host, "rm", "-f", "ours", "control"]);
      const run = (name: string, restart: string) =>
        d(
          "run",
          "-d",
          "--init",
          "--network",
          "none",
          "--restart",
          restart,
          "--name",
          name,
          IMAGE,
          "sleep",
          "100000",
        );
      run("ours", policy ?? "missing");
      run("control", "unless-stopped");
      expect(isRunning("ours")).toBe(true);
      await stopEngine(signal);
      await startEngine();
      // The control shows dockerd did start what its policy asks for.
      const deadline = Date.now() + 20_000;
      while (!isRunning("control") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect(isRunning("control")).toBe(true);
      expect(isRunning("ours")).toBe(false);
    }, 120_000);
  }
});
