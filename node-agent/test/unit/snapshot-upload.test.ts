// Taking a snapshot against a loopback edge that speaks the documented routes with the shared
// frame decoder: everything the edge stores puts the files back byte for byte; a second snapshot
// sends only new chunks; an unchanged employee's scheduled snapshot is skipped; packs stay under
// their cap with at most two in flight; a file that changes between digest and send is read
// again; a paused copy always ends unpaused; the edge's refusals become the executor's errors.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentEvent, parseAgentFrame } from "../../../edge/protocol/frames.ts";
import { CommandExecutor } from "../../hub/command-executor.ts";
import { createLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import { openTree } from "../../snapshot/confined-tree.ts";
import { digestFile, HostFiles } from "../../snapshot/host-files.ts";
import { type SnapshotCommand, SnapshotTaker } from "../../snapshot/snapshot-taker.ts";
import { SnapshotUploader } from "../../snapshot/snapshot-uploader.ts";
import { FakeRuntime } from "../fake-runtime.ts";
import { type SnapshotEdge, startSnapshotEdge } from "./snapshot-edge.ts";

const log = createLogger("silent");
const MiB = 1024 * 1024;
const EMPLOYEE = "emp-1";
let edge: SnapshotEdge;
let root: string;
let data: string;
let runtime: FakeRuntime;
let events: AgentEvent[];
let taker: SnapshotTaker;
let n = 0;

function put(rel: string, content: string | Buffer): void {
  const p = path.join(data, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

const command = (kind: SnapshotCommand["kind"] = "manual"): SnapshotCommand => ({
  type: "snapshot.create",
  id: `c${++n}`,
  employeeId: EMPLOYEE,
  snapshotId: `s${n}`,
  kind,
  stopFirst: false,
});

beforeAll(async () => {
  edge = await startSnapshotEdge();
});
afterAll(async () => {
  await edge.close();
});
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "iw-snap-"));
  data = path.join(root, "data");
  mkdirSync(data);
  runtime = new FakeRuntime();
  runtime.states.set(EMPLOYEE, { dataPath: data, running: false, image: "img@sha256:1" });
  events = [];
  taker = new SnapshotTaker({
    runtime,
    edgeUrl: edge.url,
    nodeToken: edge.token,
    snapshotsDir: path.join(root, "snapshots"),
    agentVersion: "test",
    send: (e) => events.push(e),
    log,
    packMaxBytes: 8 * MiB,
  });
  edge.chunks.clear();
  edge.haveBatches.length = 0;
  edge.packs.length = 0;
  edge.maxPacksInFlight = 0;
  edge.failWith = null;
  edge.haveExtra = [];
  return () => rmSync(root, { recursive: true, force: true });
});

describe("taking a snapshot", () => {
  it("stores what puts every file back, then sends only what changed", async () => {
    const big = randomBytes(40 * MiB);
    put("openclaw/state/openclaw.sqlite", Buffer.alloc(3 * MiB, 7));
    put("workspace/MEMORY.md", "likes tea\n");
    put("workspace/big.bin", big);
    put("workspace/empty.txt", "");
    put("browser/Default/Cookies", "cookie");
    const first = command();
    const result = await taker.create(first);
    expect(result).toMatchObject({ snapshotId: first.snapshotId, skipped: false, fileCount: 5 });
    expect(result.logicalBytes).toBe(43 * MiB + 16);
    const stored = edge.manifests.get(first.snapshotId);
    expect(stored?.sha256).toBe(result.manifestSha256);
    expect(stored?.manifest).toMatchObject({
      employeeId: EMPLOYEE,
      image: "img@sha256:1",
      openclaw: null,
    });
    expect(edge.contentOf(first.snapshotId, "workspace/big.bin").equals(big)).toBe(true);
    expect(edge.contentOf(first.snapshotId, "workspace/MEMORY.md").toString()).toBe("likes tea\n");
    expect(edge.contentOf(first.snapshotId, "workspace/empty.txt").length).toBe(0);
    // 40 MiB of noise in 8 MiB packs, two at most in flight; zeros compress, noise does not.
    expect(edge.packs.length).toBeGreaterThanOrEqual(5);
    expect(edge.maxPacksInFlight).toBeLessThanOrEqual(2);
    expect(edge.packs.every((p) => p.bytes <= 8 * MiB)).toBe(true);
    expect(result.storedBytes).toBeLessThan(41 * MiB);
    expect(events.some((e) => e.type === "snapshot.progress")).toBe(true);
    for (const e of events) expect(parseAgentFrame(JSON.stringify(e)).ok).toBe(true);

    // One byte changed in the middle of the big file: a chunk or two go up, the rest is claimed.
    big[20 * MiB] = (big[20 * MiB] ?? 0) ^ 0xff;
    put("workspace/big.bin", big);
    const framesBefore = edge.packs.reduce((s, p) => s + p.frames, 0);
    const second = await taker.create(command());
    const framesSent = edge.packs.reduce((s, p) => s + p.frames, 0) - framesBefore;
    expect(framesSent).toBeGreaterThanOrEqual(1);
    expect(framesSent).toBeLessThanOrEqual(2);
    expect(second.storedBytes).toBeLessThan(9 * MiB);
    const lastHave = edge.haveBatches.at(-1) ?? [];
    // Every chunk is asked about (about 1 MiB each), so the edge claims the packs of those it has.
    expect(lastHave.length).toBeGreaterThan(30);
    expect(edge.contentOf(second.snapshotId, "workspace/big.bin").equals(big)).toBe(true);
  }, 60_000);

  it("skips a scheduled snapshot when nothing changed, and not when something did", async () => {
    put("workspace/MEMORY.md", "likes tea\n");
    put("openclaw/openclaw.json", "{}");
    expect((await taker.create(command("scheduled"))).skipped).toBe(false);
    const asked = edge.haveBatches.length;
    const idle = await taker.create(command("scheduled"));
    expect(idle).toMatchObject({ skipped: true, fileCount: 0 });
    expect(edge.haveBatches.length).toBe(asked);
    // A manual one is taken anyway; a change ends the skipping.
    expect((await taker.create(command("manual"))).skipped).toBe(false);
    put("openclaw/openclaw.json", '{"changed":true}');
    expect((await taker.create(command("scheduled"))).skipped).toBe(false);
  });

  it("copies a running employee's state paused, and always lets it run again", async () => {
    put("openclaw/state/openclaw.sqlite", "db");
    put("browser/Default/Cookies", "cookie");
    runtime.states.set(EMPLOYEE, { dataPath: data, running: true, image: null });
    let pausedDuringCopy = false;
    const pause = runtime.pause.bind(runtime);
    runtime.pause = async (id) => {
      await pause(id);
      pausedDuringCopy = true;
    };
    const result = await taker.create(command());
    expect(pausedDuringCopy).toBe(true);
    expect(runtime.paused.size).toBe(0);
    expect(edge.contentOf(result.snapshotId, "browser/Default/Cookies").toString()).toBe("cookie");
    // An upload that fails after the pause still leaves the employee running.
    put("browser/Default/Cookies", "new cookie");
    edge.failWith = 503;
    const err = await taker.create(command()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "upload_failed", retryable: true });
    expect(runtime.paused.size).toBe(0);
  });

  it("lets go of a pause an earlier agent left behind", async () => {
    put("workspace/MEMORY.md", "likes tea\n");
    runtime.paused.add(EMPLOYEE);
    await taker.create(command());
    expect(runtime.paused.size).toBe(0);
  });

  it("reads a file again when it changed between its digest and its upload", async () => {
    put("workspace/log.txt", Buffer.alloc(2 * MiB, 1));
    const tree = await openTree(data);
    const workspace = await tree.dir("workspace");
    try {
      const files = new HostFiles();
      const open = async () => (await workspace?.file("log.txt")) ?? null;
      const got = await digestFile(open);
      if (!got) throw new Error("no file");
      const entry = {
        type: "file" as const,
        path: "workspace/log.txt",
        mode: 0o644,
        size: got.size,
        mtimeMs: got.mtimeMs,
        chunks: got.refs.map((r) => r.sha256),
      };
      files.files.push({ entry, refs: got.refs, key: got.key, open });
      put("workspace/log.txt", Buffer.alloc(3 * MiB, 2));
      const uploader = new SnapshotUploader({
        edgeUrl: edge.url,
        nodeToken: edge.token,
        snapshotId: "s-changed",
        signal: new AbortController().signal,
      });
      await uploader.missing(files.digests());
      await uploader.send([files], 0);
      expect(entry.size).toBe(3 * MiB);
      const stored = Buffer.concat(entry.chunks.map((c) => edge.chunks.get(c) ?? Buffer.alloc(0)));
      expect(stored.equals(Buffer.alloc(3 * MiB, 2))).toBe(true);
    } finally {
      await workspace?.close();
      await tree.close();
    }
  });

  it("turns the edge's refusals and a lying have answer into clear errors", async () => {
    put("workspace/MEMORY.md", "likes tea\n");
    edge.failWith = 404;
    await expect(taker.create(command())).rejects.toMatchObject({
      code: "snapshot_gone",
      retryable: false,
    });
    edge.failWith = null;
    // Digests the agent never asked about are not believed (nothing to send for them).
    edge.haveExtra = ["f".repeat(64)];
    expect((await taker.create(command())).skipped).toBe(false);
    // A data folder that is not there at all is a failure, not an empty snapshot.
    rmSync(data, { recursive: true });
    await expect(taker.create(command())).rejects.toBeInstanceOf(RuntimeError);
    await expect(taker.create(command())).rejects.toMatchObject({ code: "snapshot_failed" });
  });

  it("answers snapshot.create through the executor with a result the edge accepts", async () => {
    put("workspace/MEMORY.md", "likes tea\n");
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => undefined, readMemory: async () => [] },
      snapshots: taker,
    });
    const ok = await executor.run(command());
    const parsed = parseAgentFrame(JSON.stringify(ok));
    expect(parsed.ok && parsed.frame).toMatchObject({ ok: true, snapshot: { skipped: false } });
    runtime.states.clear();
    expect(await executor.run(command())).toMatchObject({
      ok: false,
      error: { code: "container_missing", retryable: false },
    });
    expect(await new CommandExecutor(runtime, log).run(command())).toMatchObject({
      ok: false,
      error: { code: "unsupported" },
    });
  });
});
