import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { type SnapshotCommand, SnapshotTaker } from "../snapshot/snapshot-taker.ts";
import { docker, dockerStatus, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";
import { type SnapshotEdge, startSnapshotEdge } from "./unit/snapshot-edge.ts";

// Snapshots of real containers, read from the host: a running test-image employee (no OpenClaw
// CLI: its state copied under `docker pause`), with the team's files mounted in its workspace, a
// planted link and Chromium-like caches; a 1 GiB workspace in flat agent memory; a drain's
// stop-first snapshot. And, when the real image is here, OpenClaw's own backup inside it.

const PREFIX = `n${process.pid}-`;
const TEST_IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const REAL_IMAGE = "instantworker/employee:local";
const log = createLogger(process.env.LOG_LEVEL ?? "warn");
const MiB = 1024 * 1024;
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-snapshot-docker-"));
const teamFilesRoot = path.join(stateDir, "team-files");
let edge: SnapshotEdge;
let n = 0;

const spec = (id: string): EmployeeSpec => ({
  employeeId: `${PREFIX}${id}`,
  accountId: `acct-${PREFIX}`,
  name: "Ada",
  role: "researcher",
  tone: "concise",
  skills: [],
});
const command = (employeeId: string, extra: Partial<SnapshotCommand> = {}): SnapshotCommand => ({
  type: "snapshot.create",
  id: `c${++n}`,
  employeeId,
  snapshotId: `${PREFIX}s${n}`,
  kind: "manual",
  stopFirst: false,
  ...extra,
});
const taker = (runtime: DockerRuntime, edgeUrl = edge.url) =>
  new SnapshotTaker({
    runtime,
    edgeUrl,
    nodeToken: edge.token,
    snapshotsDir: path.join(stateDir, "snapshots"),
    agentVersion: "test",
    send: () => undefined,
    log,
  });

beforeAll(async () => {
  edge = await startSnapshotEdge();
  mkdirSync(path.join(teamFilesRoot, `acct-${PREFIX}`), { recursive: true });
  writeFileSync(path.join(teamFilesRoot, `acct-${PREFIX}`, "handbook.md"), "# the team's");
});
afterAll(async () => {
  await edge.close();
  removeTestEmployees(PREFIX);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("snapshots of a running test-image employee", () => {
  const runtime = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: TEST_IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 60_000,
    teamFilesRoot,
    disksRoot: testDisksRoot(PREFIX),
    sandbox: "runc",
    log,
  });
  const employee = spec("1");
  const name = `iw-employee-${employee.employeeId}`;

  beforeAll(async () => {
    await runtime.prepare({ relayPort: 0 });
    await runtime.provision(employee);
    // Docker made workspace/ (root's) for the team's bind: the employee's own, as a provision makes it.
    const own = { mode: 0o755, uid: 1000, gid: 1000 };
    await runtime.writeFiles(employee.employeeId, [{ path: "workspace", ...own }]);
    docker(
      "exec",
      name,
      "sh",
      "-c",
      [
        "mkdir -p /data/workspace/memory /data/openclaw/state /data/openclaw/logs /data/browser/Default/Cache",
        "echo likes tea > /data/workspace/MEMORY.md",
        "echo db > /data/openclaw/state/openclaw.sqlite",
        "echo noise > /data/openclaw/logs/gateway.log",
        "echo cookie > /data/browser/Default/Cookies",
        "echo cached > /data/browser/Default/Cache/data_0",
        "ln -s /etc/passwd /data/workspace/passwd",
      ].join(" && "),
    );
  }, 120_000);

  it("holds the employee's state and nothing else, and leaves it running", async () => {
    const result = await taker(runtime).create(command(employee.employeeId));
    const { manifest } = edge.manifests.get(result.snapshotId) ?? {};
    if (!manifest) throw new Error("no manifest stored");
    const paths = manifest.entries.map((e) => e.path);
    expect(manifest.openclaw).toBeNull();
    expect(manifest.image).toContain(TEST_IMAGE);
    expect(paths).toEqual(
      expect.arrayContaining([
        "openclaw/state/openclaw.sqlite",
        "workspace/MEMORY.md",
        "browser/Default/Cookies",
      ]),
    );
    expect(manifest.entries.find((e) => e.path === "workspace/passwd")).toEqual({
      type: "symlink",
      path: "workspace/passwd",
      target: "/etc/passwd",
    });
    for (const p of paths) {
      expect(p.startsWith("workspace/team-files")).toBe(false);
      expect(p.startsWith("openclaw/logs")).toBe(false);
      expect(p.startsWith("browser/Default/Cache")).toBe(false);
    }
    expect(edge.contentOf(result.snapshotId, "workspace/MEMORY.md").toString()).toBe("likes tea\n");
    expect(docker("inspect", "-f", "{{.State.Status}}", name)).toBe("running");
  });

  it("streams a 1 GiB workspace in flat memory", { timeout: 600_000 }, async () => {
    docker(
      "exec",
      name,
      "sh",
      "-c",
      "busybox dd if=/dev/urandom of=/data/workspace/big.bin bs=1M count=1024 2>/dev/null",
    );
    // The edge in a process of its own: the agent's memory is measured alone.
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "snapshot-edge-main.ts"), edge.token],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      const edgeUrl = line.toString().trim();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 100);
      const started = Date.now();
      const cpu = process.cpuUsage();
      const result = await taker(runtime, edgeUrl)
        .create(command(employee.employeeId))
        .finally(() => clearInterval(sampler));
      const seconds = (Date.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      console.log(
        `1 GiB snapshot: ${seconds.toFixed(1)} s (${(1024 / seconds).toFixed(0)} MB/s wall, agent CPU ${((used.user + used.system) / 1e6).toFixed(1)} s), stored ${(result.storedBytes / MiB).toFixed(0)} MiB, agent rss ${(rssBefore / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - rssBefore) / MiB).toFixed(0)})`,
      );
      expect(result.logicalBytes).toBeGreaterThan(1024 * MiB);
      expect(peak - rssBefore).toBeLessThan(200 * MiB);
    } finally {
      child.kill();
    }
  });

  it("stops the employee first for a drain's final snapshot", async () => {
    // The 1 GiB file went to the other edge: without it, this one stays small.
    docker("exec", name, "busybox", "rm", "-f", "/data/workspace/big.bin");
    const result = await taker(runtime).create(
      command(employee.employeeId, { kind: "final", stopFirst: true }),
    );
    expect(result.skipped).toBe(false);
    expect(docker("inspect", "-f", "{{.State.Status}}", name)).toBe("exited");
  });
});

const realImage = dockerStatus("image", "inspect", REAL_IMAGE).code === 0;
describe.runIf(realImage)("OpenClaw's own backup in the real image", () => {
  const runtime: DockerRuntime = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: REAL_IMAGE,
    memoryMb: 2048,
    cpus: 1,
    pidsLimit: 512,
    network: "instantworker-test",
    teamFilesRoot,
    disksRoot: testDisksRoot(PREFIX),
    sandbox: "runc",
    log,
    // No model: OpenClaw only has to be healthy and keep its state.
    configure: async (s) => {
      const proxyAddress = await runtime.proxyAddress();
      return workspaceEntries(s, { proxyAddress, llmBaseUrl: `http://${proxyAddress}:9/v1` });
    },
  });
  const employee = spec("real");

  it("archives OpenClaw's state through its CLI, with the workspace but not the team's files", {
    timeout: 600_000,
  }, async () => {
    await runtime.prepare({ relayPort: 9 });
    await runtime.provision(employee);
    const started = Date.now();
    const result = await taker(runtime).create(command(employee.employeeId));
    const seconds = (Date.now() - started) / 1000;
    const { manifest } = edge.manifests.get(result.snapshotId) ?? {};
    if (!manifest) throw new Error("no manifest stored");
    console.log(
      `real image, fresh state: ${seconds.toFixed(1)} s, ${result.fileCount} files, ${(result.logicalBytes / MiB).toFixed(1)} MiB logical, ${(result.storedBytes / MiB).toFixed(1)} MiB sent, OpenClaw ${manifest.openclawVersion}`,
    );
    expect(manifest.openclaw?.archiveRoot).toBeTruthy();
    expect(JSON.parse(manifest.openclaw?.manifest ?? "{}")).toMatchObject({ schemaVersion: 1 });
    expect(manifest.openclawVersion).toMatch(/^\d{4}\./);
    const paths = manifest.entries.map((e) => e.path);
    expect(paths.filter((p) => p.startsWith("openclaw/")).length).toBeGreaterThan(0);
    expect(paths).toContain("openclaw/openclaw.json");
    expect(paths.some((p) => p.startsWith("workspace/"))).toBe(true);
    expect(paths.filter((p) => p.includes("team-files"))).toEqual([]);
    // Its scratch folder is gone, and the employee still runs.
    const name = `iw-employee-${employee.employeeId}`;
    expect(dockerStatus("exec", name, "test", "-e", "/data/.iw-snapshot").code).not.toBe(0);
    expect(docker("inspect", "-f", "{{.State.Running}}", name)).toBe("true");
    // Idle, nothing changed: a scheduled snapshot finds the same state (OpenClaw's own record of
    // the backup it made is part of what the last one saw) and is skipped. The live Chromium may
    // still write its profile now and then (a real change, so that snapshot is taken, as it
    // should be): a few tries, each printing what changed, until one finds nothing new.
    let last = manifest.entries;
    const tries: string[] = [];
    for (let i = 0; i < 4; i++) {
      const idle = await taker(runtime).create(command(employee.employeeId, { kind: "scheduled" }));
      if (idle.skipped) {
        tries.push("skipped");
        break;
      }
      const now = edge.manifests.get(idle.snapshotId)?.manifest.entries ?? [];
      const key = (e: (typeof now)[number]) =>
        e.type === "file" ? `${e.size}/${e.mtimeMs}/${e.chunks.join(",")}` : e.type;
      const was = new Map(last.map((e) => [e.path, key(e)]));
      const is = new Map(now.map((e) => [e.path, key(e)]));
      const changed = [...new Set([...was.keys(), ...is.keys()])].filter(
        (p) => was.get(p) !== is.get(p),
      );
      tries.push(`taken (changed: ${JSON.stringify(changed.slice(0, 20))})`);
      last = now;
    }
    console.log(`real image, scheduled right after: ${tries.join("; then ")}`);
    expect(tries.at(-1)).toBe("skipped");
  });
});
