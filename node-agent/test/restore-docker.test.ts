import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent, EmployeeSpec } from "../../edge/protocol/frames.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { chunkOrder } from "../snapshot/restore-writer.ts";
import { RestoreFailure, SnapshotRestorer } from "../snapshot/snapshot-restorer.ts";
import {
  docker,
  dockerStatus,
  removeTestEmployees,
  specsUnder,
  testDisksRoot,
} from "./docker-cli.ts";
import {
  buildSnapshot,
  type RestoreEdge,
  startRestoreEdge,
  TEST_NODE_TOKEN,
  type TestFile,
} from "./restore-edge.ts";

// container.restore against the real engine, real loop-mounted disks and the test image, the
// snapshot served by a loopback edge on our own wire: in place (the files replaced, the same
// container healthy), failing halfway (a bad chunk, the edge dying, a start that fails: the old
// files and a running employee), fresh onto a node without the employee, a 1 GB state timed, and,
// when the real image is built, the real employee's own state restored and healthy.

const PREFIX = `rs${process.pid}-`;
const log = createLogger("warn");
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const REAL_IMAGE = "instantworker/employee:local";
const DISKS = testDisksRoot(PREFIX);
const spec = specsUnder(PREFIX);
let failConfigure = false;

function runtime(image = IMAGE, over: { diskQuota?: "off" } = {}) {
  const rt: DockerRuntime = new DockerRuntime({
    ...over,
    socketPath: "/var/run/docker.sock",
    image,
    memoryMb: image === IMAGE ? 256 : 2048,
    cpus: image === IMAGE ? 0.5 : 1,
    pidsLimit: image === IMAGE ? 64 : 512,
    network: "instantworker-test",
    readyTimeoutMs: image === IMAGE ? 30_000 : READY_TIMEOUT_MS.runc,
    sandbox: image === IMAGE ? "auto" : "runc",
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    disksRoot: DISKS,
    log,
    configure: async (s) => {
      if (failConfigure) throw new Error("configure failed on purpose");
      const proxyAddress = await rt.proxyAddress();
      return workspaceEntries(s, { proxyAddress, llmBaseUrl: `http://${proxyAddress}:9/v1` });
    },
  });
  return rt;
}

let edge: RestoreEdge;
const events: AgentEvent[] = [];
/** When each restore phase was first reported (ms since the epoch). */
const phaseAt = new Map<string, number>();
const restorer = (rt: DockerRuntime) =>
  new SnapshotRestorer({
    runtime: rt,
    edgeUrl: edge.url,
    nodeToken: TEST_NODE_TOKEN,
    send: (e) => {
      events.push(e);
      if (e.type === "snapshot.progress" && !phaseAt.has(e.phase)) phaseAt.set(e.phase, Date.now());
    },
    log,
  });
const name = (s: EmployeeSpec) => `iw-employee-${s.employeeId}`;
const sh = (s: EmployeeSpec, script: string) => docker("exec", name(s), "sh", "-c", script);
const health = (s: EmployeeSpec) => docker("inspect", "-f", "{{.State.Health.Status}}", name(s));
const startedAt = (s: EmployeeSpec) => docker("inspect", "-f", "{{.State.StartedAt}}", name(s));
const leftovers = () => readdirSync(DISKS).filter((n) => /\.(staging|previous)/.test(n));

const snapshotFiles = (marker: string): TestFile[] => [
  { type: "dir", path: "workspace/memory", mode: 0o755 },
  { type: "file", path: "workspace/memory/marker.md", content: marker },
  { type: "file", path: "workspace/files/big.bin", size: 20 * 1024 * 1024 + 5, seed: marker },
  { type: "symlink", path: "workspace/latest", target: "memory/marker.md" },
  { type: "file", path: "openclaw/state/db", content: `db of ${marker}`, mode: 0o600 },
];

async function failure(work: Promise<unknown>): Promise<RestoreFailure> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RestoreFailure);
  return err as RestoreFailure;
}

// The old state every failing restore must leave: the marker, and an employee that runs.
async function withOldState(rt: DockerRuntime): Promise<EmployeeSpec> {
  const s = spec();
  await rt.provision(s);
  sh(s, "mkdir -p /data/workspace/memory && echo old > /data/workspace/memory/marker.md");
  return s;
}

beforeAll(async () => {
  removeTestEmployees(PREFIX);
  edge = await startRestoreEdge();
});
afterAll(async () => {
  await edge?.close();
  removeTestEmployees(PREFIX);
});

describe("container.restore on Docker", () => {
  it("restores in place: the files replaced on a new disk, the same container healthy, owned by the employee", async () => {
    const rt = runtime();
    const s = await withOldState(rt);
    sh(s, "echo gone > /data/workspace/only-before");
    const before = docker("inspect", "-f", "{{.Id}}", name(s));
    edge.snapshots.set(
      `${s.employeeId}-a`,
      buildSnapshot(`${s.employeeId}-a`, s.employeeId, snapshotFiles("restored")),
    );
    events.length = 0;
    const instance = await restorer(rt).restore({
      employeeId: s.employeeId,
      snapshotId: `${s.employeeId}-a`,
      mode: "in_place",
      spec: s,
    });
    expect(instance.state).toBe("running");
    expect(health(s)).toBe("healthy");
    expect(docker("inspect", "-f", "{{.Id}}", name(s))).toBe(before);
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("restored");
    expect(sh(s, "cat /data/workspace/latest")).toBe("restored"); // the link, resolved inside
    expect(dockerStatus("exec", name(s), "ls", "/data/workspace/only-before").code).not.toBe(0);
    expect(sh(s, "ls -ln /data/workspace/files/big.bin").split(/\s+/).slice(2, 5)).toEqual([
      "1000",
      "1000",
      String(20 * 1024 * 1024 + 5),
    ]);
    expect(sh(s, "ls -ld /data/openclaw/state/db")).toMatch(/^-rw------- /);
    // The employee can write its restored state; the shared files' mount point is there.
    expect(dockerStatus("exec", name(s), "touch", "/data/workspace/memory/new.md").code).toBe(0);
    expect(sh(s, "ls -d /data/workspace/team-files")).toBe("/data/workspace/team-files");
    // openclaw.json rendered again by the provision (the config for this node).
    expect(sh(s, "ls /data/openclaw")).toMatch(/openclaw\.json/);
    expect(leftovers()).toEqual([]);
    const phases = new Set(events.map((e) => (e.type === "snapshot.progress" ? e.phase : "")));
    expect([...phases]).toEqual(expect.arrayContaining(["downloading"]));
  }, 120_000);

  it("a bad chunk halfway: snapshot_corrupt, the old files and the same running employee", async () => {
    const rt = runtime();
    const s = await withOldState(rt);
    const started = startedAt(s);
    const snap = buildSnapshot(`${s.employeeId}-b`, s.employeeId, snapshotFiles("bad"));
    edge.snapshots.set(`${s.employeeId}-b`, snap);
    const order = chunkOrder(snap.manifest);
    edge.faults = { corruptChunk: order[Math.floor(order.length / 2)] };
    const err = await failure(
      restorer(rt).restore({
        employeeId: s.employeeId,
        snapshotId: `${s.employeeId}-b`,
        mode: "in_place",
        spec: s,
      }),
    );
    edge.faults = {};
    expect([err.code, err.retryable, err.rolledBack]).toEqual(["snapshot_corrupt", false, true]);
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("old");
    expect(startedAt(s)).toBe(started); // never stopped
    expect(health(s)).toBe("healthy");
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it("the edge dying mid-stream: the old files and a running employee", async () => {
    const rt = runtime();
    const s = await withOldState(rt);
    edge.snapshots.set(
      `${s.employeeId}-c`,
      buildSnapshot(`${s.employeeId}-c`, s.employeeId, snapshotFiles("cut")),
    );
    edge.faults = { dieAfterBytes: 8 * 1024 * 1024 };
    const err = await failure(
      restorer(rt).restore({
        employeeId: s.employeeId,
        snapshotId: `${s.employeeId}-c`,
        mode: "in_place",
        spec: s,
      }),
    );
    edge.faults = {};
    expect([err.code, err.retryable, err.rolledBack]).toEqual([
      "snapshot_fetch_failed",
      true,
      true,
    ]);
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("old");
    expect(health(s)).toBe("healthy");
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it("a start that fails after the swap: the old disk swapped back and started again", async () => {
    const rt = runtime();
    const s = await withOldState(rt);
    edge.snapshots.set(
      `${s.employeeId}-d`,
      buildSnapshot(`${s.employeeId}-d`, s.employeeId, snapshotFiles("never")),
    );
    failConfigure = true;
    const err = await failure(
      restorer(rt).restore({
        employeeId: s.employeeId,
        snapshotId: `${s.employeeId}-d`,
        mode: "in_place",
        spec: s,
      }),
    ).finally(() => {
      failConfigure = false;
    });
    expect(err.rolledBack).toBe(true);
    expect(docker("inspect", "-f", "{{.State.Running}}", name(s))).toBe("true");
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("old");
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it("restores fresh onto a node without the employee", async () => {
    const rt = runtime();
    const s = spec();
    edge.snapshots.set(
      `${s.employeeId}-e`,
      buildSnapshot(`${s.employeeId}-e`, s.employeeId, snapshotFiles("moved")),
    );
    const instance = await restorer(rt).restore({
      employeeId: s.employeeId,
      snapshotId: `${s.employeeId}-e`,
      mode: "fresh",
      spec: s,
    });
    expect(instance.state).toBe("running");
    expect(health(s)).toBe("healthy");
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("moved");
    expect(readlinkSync(path.join(DISKS, s.employeeId, "workspace/latest"))).toBe(
      "memory/marker.md",
    );
    expect(leftovers()).toEqual([]);

    // A fresh one that fails leaves nothing of the employee on the node.
    const t = spec();
    edge.snapshots.set(
      `${t.employeeId}-f`,
      buildSnapshot(`${t.employeeId}-f`, t.employeeId, snapshotFiles("x")),
    );
    failConfigure = true;
    const err = await failure(
      restorer(rt).restore({
        employeeId: t.employeeId,
        snapshotId: `${t.employeeId}-f`,
        mode: "fresh",
        spec: t,
      }),
    ).finally(() => {
      failConfigure = false;
    });
    expect(err.rolledBack).toBe(false);
    expect(dockerStatus("inspect", name(t)).code).not.toBe(0);
    expect(readdirSync(DISKS).filter((n) => n.startsWith(t.employeeId))).toEqual([]);
  }, 120_000);

  it("restores into a Docker volume (no disks, development) and swaps it back on failure", async () => {
    const rt = runtime(IMAGE, { diskQuota: "off" });
    const s = await withOldState(rt);
    expect(dockerStatus("volume", "inspect", `iw-employee-${s.employeeId}-data`).code).toBe(0);
    edge.snapshots.set(
      `${s.employeeId}-v`,
      buildSnapshot(`${s.employeeId}-v`, s.employeeId, snapshotFiles("in a volume")),
    );
    const restore = () =>
      restorer(rt).restore({
        employeeId: s.employeeId,
        snapshotId: `${s.employeeId}-v`,
        mode: "in_place",
        spec: s,
      });
    failConfigure = true;
    const err = await failure(restore()).finally(() => {
      failConfigure = false;
    });
    expect(err.rolledBack).toBe(true);
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("old");
    await restore();
    expect(health(s)).toBe("healthy");
    expect(sh(s, "cat /data/workspace/memory/marker.md")).toBe("in a volume");
    expect(
      dockerStatus("volume", "inspect", `iw-employee-${s.employeeId}-data-staging`).code,
    ).not.toBe(0);
  }, 120_000);

  it("restores a 1 GB state (throughput, time and the agent's memory printed)", async () => {
    const rt = runtime();
    const s = spec();
    const files: TestFile[] = Array.from({ length: 4 }, (_, i) => ({
      type: "file",
      path: `workspace/files/part-${i}.bin`,
      size: 256 * 1024 * 1024,
      seed: `${s.employeeId}-${i}`,
    }));
    edge.snapshots.set(
      `${s.employeeId}-g`,
      buildSnapshot(`${s.employeeId}-g`, s.employeeId, files),
    );
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }, 100);
    phaseAt.clear();
    const started = Date.now();
    await restorer(rt).restore({
      employeeId: s.employeeId,
      snapshotId: `${s.employeeId}-g`,
      mode: "fresh",
      spec: s,
    });
    const ms = Date.now() - started;
    clearInterval(sampler);
    const mb = 1024;
    console.log(
      `[restore] 1 GB fresh restore: ${(ms / 1000).toFixed(1)} s, ${((mb / ms) * 1000).toFixed(0)} MB/s ` +
        `(fetch, check, write to a new disk, start); test process RSS ${Math.round(rssBefore / 2 ** 20)} → max ${Math.round(rssMax / 2 ** 20)} MiB (agent code and the loopback edge)`,
    );
    const swapAt = phaseAt.get("swapping") ?? started;
    const downloadMs = swapAt - started;
    console.log(
      `[restore] of which downloading ${(downloadMs / 1000).toFixed(1)} s (${((mb / downloadMs) * 1000).toFixed(0)} MB/s, progress reports are ≤ 1/s), swap and start ${((Date.now() - swapAt) / 1000).toFixed(1)} s`,
    );
    expect(sh(s, "ls -ln /data/workspace/files/part-3.bin").split(/\s+/)[4]).toBe(
      String(256 * 1024 * 1024),
    );
    expect(rssMax - rssBefore).toBeLessThan(256 * 2 ** 20);
  }, 600_000);

  it.runIf(dockerStatus("image", "inspect", REAL_IMAGE).code === 0)(
    "the real employee: its own state, with a marker, restored in place and healthy",
    async () => {
      const rt = runtime(REAL_IMAGE);
      const s = spec();
      await rt.provision(s);
      // The state as it is now, read from its disk on the node (the snapshot side's job, done
      // here by a plain walk), plus a marker in its memory.
      const root = path.join(DISKS, s.employeeId);
      const files: TestFile[] = [];
      const walk = (rel: string) => {
        for (const entry of readdirSync(path.join(root, rel))) {
          const p = rel ? `${rel}/${entry}` : entry;
          const st = lstatSync(path.join(root, p));
          if (p === "workspace/team-files" || p === "openclaw/cache") continue;
          if (st.isSymbolicLink())
            files.push({ type: "symlink", path: p, target: readlinkSync(path.join(root, p)) });
          else if (st.isDirectory()) {
            files.push({ type: "dir", path: p, mode: st.mode & 0o7777 });
            walk(p);
          } else if (st.isFile())
            files.push({
              type: "file",
              path: p,
              mode: st.mode & 0o7777,
              content: readFileSync(path.join(root, p)),
            });
        }
      };
      for (const top of ["openclaw", "workspace", "browser"])
        if (readdirSync(root).includes(top)) {
          files.push({ type: "dir", path: top, mode: 0o755 });
          walk(top);
        }
      files.push({ type: "file", path: "workspace/memory/restored-marker.md", content: "back" });
      edge.snapshots.set(
        `${s.employeeId}-r`,
        buildSnapshot(`${s.employeeId}-r`, s.employeeId, files),
      );
      const started = Date.now();
      await restorer(rt).restore({
        employeeId: s.employeeId,
        snapshotId: `${s.employeeId}-r`,
        mode: "in_place",
        spec: s,
      });
      console.log(
        `[restore] real employee restored in place → healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(health(s)).toBe("healthy");
      expect(sh(s, "cat /data/workspace/memory/restored-marker.md")).toBe("back");
      // The image's OpenClaw is known, and a snapshot of a newer one is refused before anything.
      const version = await rt.restoreStates.openclawVersion();
      expect(version).toMatch(/^\d{4}\.\d+\.\d+/);
      edge.snapshots.set(
        `${s.employeeId}-n`,
        buildSnapshot(`${s.employeeId}-n`, s.employeeId, files.slice(0, 1), {
          openclawVersion: "2999.1.1",
        }),
      );
      const err = await failure(
        restorer(rt).restore({
          employeeId: s.employeeId,
          snapshotId: `${s.employeeId}-n`,
          mode: "in_place",
          spec: s,
        }),
      );
      expect([err.code, err.rolledBack]).toEqual(["snapshot_too_new", true]);
      expect(sh(s, "cat /data/workspace/memory/restored-marker.md")).toBe("back");
    },
    READY_TIMEOUT_MS.runc * 3,
  );
});
