import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { WorkspaceExporter } from "../employee/workspace-export.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import { readTar } from "../runtime/tar.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";

// The workspace export through Docker's real archive API, from a running container whose
// employee planted what it likes: a 256 MB file, thousands of notes, a link to the node's
// /etc/passwd; the team's shared files are mounted in its workspace and stay out.

const PREFIX = `w${process.pid}-`;
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const log = createLogger("warn");
const MiB = 1024 * 1024;
const NOTES = 2000;
const BIG_MB = 256;

describe("workspace export from a container", () => {
  const teamFilesRoot = path.join(os.tmpdir(), `iw-team-files-${PREFIX}`);
  const rt = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 60_000,
    teamFilesRoot,
    disksRoot: testDisksRoot(PREFIX),
    log,
  });
  const spec: EmployeeSpec = {
    employeeId: `${PREFIX}1`,
    accountId: `acct-${PREFIX}`,
    name: "Test",
    role: "researcher",
    tone: "concise",
    skills: [],
  };
  const name = `iw-employee-${spec.employeeId}`;
  const uploads: { type: string; body: Buffer }[] = [];
  const edge = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      uploads.push({ type: req.headers["content-type"] ?? "", body: Buffer.concat(parts) });
      res.writeHead(204).end();
    });
  });
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), "iw-spool-"));
  let edgeUrl = "";

  beforeAll(async () => {
    mkdirSync(path.join(teamFilesRoot, spec.accountId), { recursive: true });
    writeFileSync(path.join(teamFilesRoot, spec.accountId, "handbook.md"), "# the team's");
    await rt.prepare({ relayPort: 0 });
    await rt.provision(spec);
    const own = { mode: 0o755, uid: 1000, gid: 1000 };
    await rt.writeFiles(spec.employeeId, [
      { path: "workspace", ...own },
      { path: "workspace/memory", ...own },
      { path: "workspace/MEMORY.md", content: Buffer.from("likes tea\n"), uid: 1000, gid: 1000 },
    ]);
    await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
    edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(() => {
    edge.close();
    removeTestEmployees(PREFIX);
    rmSync(spoolDir, { recursive: true, force: true });
    rmSync(teamFilesRoot, { recursive: true, force: true });
  });

  it("sends the workspace's files, streamed, and nothing that is not the employee's", {
    timeout: 180_000,
  }, async () => {
    docker(
      "exec",
      name,
      "sh",
      "-c",
      [
        `busybox dd if=/dev/zero bs=1M count=${BIG_MB} 2>/dev/null | busybox tr '\\0' a > /data/workspace/big.log`,
        `i=0; while [ $i -lt ${NOTES} ]; do echo note $i > /data/workspace/memory/n-$i.md; i=$((i+1)); done`,
        "ln -s /etc/passwd /data/workspace/passwd",
      ].join(" && "),
    );
    const exporter = new WorkspaceExporter({
      runtime: rt,
      edgeUrl,
      nodeToken: "iwn_test",
      spoolDir,
      log,
    });
    uploads.length = 0;
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const packed = await exporter.export(spec.employeeId, "x1");
    const ms = Date.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(
      `workspace export: ${packed.files} files, ${BIG_MB} MB in, ${(packed.bytes / 1024).toFixed(0)} KB out, ${ms} ms, rss +${(rssGrowth / MiB).toFixed(0)} MB`,
    );
    expect(packed.files).toBe(NOTES + 2);
    // Streamed: the agent never holds the big file (what RSS gains is garbage not yet collected).
    expect(rssGrowth).toBeLessThan((BIG_MB / 2) * MiB);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.type).toBe("application/gzip");
    const { entries } = await readTar(
      Readable.from([gunzipSync(uploads[0]?.body ?? Buffer.alloc(0))]),
      {
        maxEntries: 10_000,
        maxArchiveBytes: (BIG_MB + 16) * MiB,
        maxFileBytes: 16,
      },
    );
    const paths = entries.map((e) => e.path);
    expect(paths).toContain("MEMORY.md");
    expect(paths).toContain("memory/n-0.md");
    expect(entries.find((e) => e.path === "big.log")?.size).toBe(BIG_MB * MiB);
    expect(paths.filter((p) => p.startsWith("team-files") || p === "passwd")).toEqual([]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it("refuses a workspace past the limit and tells the edge why", {
    timeout: 120_000,
  }, async () => {
    docker(
      "exec",
      name,
      "sh",
      "-c",
      "busybox dd if=/dev/urandom of=/data/workspace/noise.bin bs=1M count=4 2>/dev/null",
    );
    const exporter = new WorkspaceExporter({
      runtime: rt,
      edgeUrl,
      nodeToken: "iwn_test",
      spoolDir,
      log,
      limits: { maxReadBytes: 1024 * MiB, maxFiles: 20_000, maxBytes: 2 * MiB },
    });
    uploads.length = 0;
    const err = await exporter.export(spec.employeeId, "x2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe("workspace_too_large");
    expect(uploads.map((u) => u.type)).toEqual(["application/json"]);
    expect(JSON.parse(uploads[0]?.body.toString() ?? "")).toEqual({
      error: "the workspace is larger than 2 MB compressed",
    });
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
