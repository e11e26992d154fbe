import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitiseFileName } from "../../edge/knowledge/file-names.ts";
import type { EmployeeSpec, KnowledgeFile } from "../../edge/protocol/frames.ts";
import { KnowledgeSync, onDiskName } from "../employee/knowledge-sync.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { packTar, readTar } from "../runtime/tar.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";

// The archive between the agent and a container, both ways, through Docker's real archive API:
// names the edge accepts go in whole (PAX), and what a container plants where the agent reads
// is read within limits, streamed, with truncation reported.

const PREFIX = `a${process.pid}-`;
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const log = createLogger("warn");
const MiB = 1024 * 1024;

describe("the archive format", () => {
  it("round-trips folders and names far past ustar's 100 bytes", async () => {
    const long = `${"ü".repeat(98)}a.md`; // 200 bytes of UTF-8 in one path segment
    const entries = await readTar(
      packTar([
        { path: "workspace", uid: 1000, gid: 1000 },
        { path: `workspace/${long}`, content: Buffer.from("# long\n"), mode: 0o600, uid: 1000 },
      ]),
    );
    expect(entries.truncated).toBe(false);
    expect(entries.entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ["workspace", "directory", 0],
      [`workspace/${long}`, "file", 7],
    ]);
  });

  it("refuses a path that climbs out of the volume", () => {
    for (const bad of ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b"])
      expect(() => packTar([{ path: bad, content: Buffer.from("x") }])).toThrow();
  });

  it("stops reading at the entry and byte limits and says so", async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      path: `m/${i}.md`,
      content: Buffer.alloc(10_000, 97),
    }));
    const byCount = await readTar(packTar(many), {
      maxEntries: 10,
      maxArchiveBytes: 10 * MiB,
      maxFileBytes: 100,
    });
    expect(byCount.truncated).toBe(true);
    expect(byCount.entries).toHaveLength(10);
    expect(byCount.entries.every((e) => e.content.length === 100 && e.truncated)).toBe(true);
    const byBytes = await readTar(packTar(many), {
      maxEntries: 1000,
      maxArchiveBytes: 64 * 1024,
      maxFileBytes: 100,
    });
    expect(byBytes.truncated).toBe(true);
    expect(byBytes.entries.length).toBeLessThan(10);
    // An endless archive stream ends at the byte limit too.
    const endless = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(64 * 1024);
      })(),
    );
    expect(
      await readTar(endless, { maxEntries: 10, maxArchiveBytes: MiB, maxFileBytes: 10 }),
    ).toMatchObject({ truncated: true });
  });
});

describe("files through Docker's archive API", () => {
  const rt = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    pidsLimit: 64,
    network: "instantworker-test",
    readyTimeoutMs: 60_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    disksRoot: testDisksRoot(PREFIX),
    log,
  });
  const spec: EmployeeSpec = {
    employeeId: `${PREFIX}1`,
    accountId: "user-1",
    name: "Test",
    role: "researcher",
    tone: "concise",
    skills: [],
  };
  const name = `iw-employee-${spec.employeeId}`;
  const files = new Map<string, Buffer>();
  const edge = createServer((req, res) => {
    const body = files.get(decodeURIComponent(req.url?.split("/").pop() ?? ""));
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
  });
  let knowledge: KnowledgeSync;

  beforeAll(async () => {
    await rt.prepare({ relayPort: 0 });
    await rt.provision(spec);
    // The workspace as a provision lays it out (workspace-files.ts): the employee's own folders.
    const own = { mode: 0o755, uid: 1000, gid: 1000 };
    await rt.writeFiles(spec.employeeId, [
      { path: "workspace", ...own },
      { path: "workspace/memory", ...own },
    ]);
    await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
    knowledge = new KnowledgeSync({
      runtime: rt,
      edgeUrl: `http://127.0.0.1:${(edge.address() as AddressInfo).port}`,
      nodeToken: "iwn_test",
      teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
      log,
    });
  }, 120_000);
  afterAll(() => {
    edge.close();
    removeTestEmployees(PREFIX);
  });

  const knowledgeFile = (id: string, fileName: string, content: string): KnowledgeFile => {
    const bytes = Buffer.from(content);
    files.set(id, bytes);
    return {
      id,
      name: fileName,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
  };

  it("writes every name the edge accepts: 200 bytes of UTF-8, non-ASCII, CJK at the byte limit", async () => {
    const accepted = (raw: string) => {
      const r = sanitiseFileName(raw);
      if (!r.ok) throw new Error(r.reason);
      return r.name;
    };
    const names = [
      accepted(`${"ü".repeat(98)}a.md`), // 200 bytes
      accepted("Résumé – Q3 (final), Müller & Søn.pdf"),
      accepted(`${"知".repeat(200)}.docx`), // the edge shortens it to its byte limit
    ];
    expect(Buffer.byteLength(names[0] ?? "")).toBe(200);
    expect(Buffer.byteLength(names[2] ?? "")).toBeGreaterThan(150);
    const wanted = names.map((n, i) => knowledgeFile(`file${i}`, n, `content of ${i}\n`));
    await knowledge.sync(spec.employeeId, spec.accountId, wanted, []);

    // The shell's own listing: busybox's ls prints non-ASCII bytes as "?".
    const list = () =>
      docker("exec", name, "sh", "-c", 'cd /data/workspace/files && for f in *; do echo "$f"; done')
        .split("\n")
        .sort();
    const listed = list();
    for (const [i, n] of names.entries()) {
      expect(listed).toContain(onDiskName(n));
      expect(docker("exec", name, "cat", `/data/workspace/files/${onDiskName(n)}`)).toBe(
        `content of ${i}`,
      );
    }
    expect(onDiskName(names[0] ?? "")).toBe(names[0]); // within the limit: untouched
    expect(Buffer.byteLength(onDiskName(names[2] ?? ""))).toBeLessThanOrEqual(255);
    expect(onDiskName(names[2] ?? "")).toMatch(/\.docx$/);

    // And back out: a second sync writes nothing new and deletes what is gone.
    await knowledge.sync(spec.employeeId, spec.accountId, wanted.slice(0, 1), []);
    expect(list()).toEqual([names[0]]);
  });

  it("reads what a container planted within limits: a huge file and a flood of files", {
    timeout: 180_000,
  }, async () => {
    docker(
      "exec",
      name,
      "sh",
      "-c",
      [
        "busybox dd if=/dev/zero bs=1M count=64 2>/dev/null | busybox tr '\\0' a > /data/workspace/MEMORY.md",
        "mkdir -p /data/workspace/memory && i=0; while [ $i -lt 3000 ]; do echo note > /data/workspace/memory/2026-01-$i.md; i=$((i+1)); done",
      ].join(" && "),
    );
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const huge = await rt.readFiles(spec.employeeId, "workspace/MEMORY.md");
    expect(huge.truncated).toBe(true);
    expect(huge.entries.every((e) => e.content.length <= 1024 * 1024)).toBe(true);
    const flood = await rt.readFiles(spec.employeeId, "workspace/memory");
    expect(flood.truncated).toBe(true);
    expect(flood.entries.length).toBeLessThanOrEqual(1000);
    // Streamed and cut off: the agent never held the 64 MB, nor waited for it.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * MiB);
    expect(Date.now() - started).toBeLessThan(20_000);

    const memory = await knowledge.readMemory(spec.employeeId);
    const main = memory.find((m) => m.path === "MEMORY.md");
    expect(main).toMatchObject({ size: 64 * MiB, truncated: true });
    expect(Buffer.byteLength(main?.content ?? "")).toBeLessThanOrEqual(48 * 1024);
    expect(JSON.stringify(memory).length).toBeLessThan(256 * 1024);
  });
});
