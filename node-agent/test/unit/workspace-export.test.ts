// The workspace archive for an account export (workspace.export), without Docker: the engine's
// archive is played by a tar made here, hostile entries included; the edge by a loopback server.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAgentFrame } from "../../../edge/protocol/frames.ts";
import {
  packWorkspace,
  WorkspaceExporter,
  type WorkspaceLimits,
  workspacePath,
} from "../../employee/workspace-export.ts";
import { CommandExecutor } from "../../hub/command-executor.ts";
import { createLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import { readTar } from "../../runtime/tar.ts";
import { FakeRuntime } from "../fake-runtime.ts";

const log = createLogger("silent");
const LIMITS: WorkspaceLimits = {
  maxReadBytes: 64 * 1024 * 1024,
  maxFiles: 100,
  maxBytes: 8 * 1024 * 1024,
};

// What Docker's archive API answers for /data/workspace: every path under "workspace/".
function engineArchive(extra: (tar: ReturnType<typeof pack>) => void = () => undefined): Readable {
  const tar = pack();
  tar.entry({ name: "workspace", type: "directory" });
  tar.entry({ name: "workspace/MEMORY.md" }, "likes tea\n");
  tar.entry({ name: "workspace/memory", type: "directory" });
  tar.entry({ name: "workspace/memory/2026-06-01.md" }, "# 1 June\n");
  tar.entry({ name: "workspace/files/own.txt" }, "own file");
  tar.entry({ name: "workspace/team-files/handbook.pdf" }, "the team's, exported apart");
  tar.entry({ name: "workspace/passwd", type: "symlink", linkname: "/etc/passwd" });
  tar.entry({ name: "workspace/../../etc/shadow" }, "planted");
  tar.entry({ name: "workspace/fifo", type: "fifo" });
  extra(tar);
  tar.finalize();
  return Readable.from(tar);
}

async function unpack(gz: Buffer) {
  const { entries } = await readTar(Readable.from([gunzipSync(gz)]));
  return Object.fromEntries(entries.map((e) => [e.path, e.content.toString("utf8")]));
}

async function packed(source: Readable, limits = LIMITS) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  const result = await packWorkspace(source, sink, limits);
  return { result, gz: Buffer.concat(chunks) };
}

describe("workspace paths", () => {
  it.each([
    ["workspace/MEMORY.md", "MEMORY.md"],
    ["workspace/./memory//a.md", "memory/a.md"],
    ["workspace/team-files/x.pdf", null],
    ["workspace/../etc/passwd", null],
    ["workspace", null],
    ["workspace/a\u0000b", null],
    ["workspace/a\\b", null],
    ["workspace/invoice\u202Efdp.exe", null],
    ["workspace/a\u2066b\u2069", null],
    ["workspace/c1\u0085.txt", null],
    ["workspace/para\u2029graph", null],
  ])("%s → %s", (name, want) => {
    expect(workspacePath(name)).toBe(want);
  });
});

describe("packWorkspace", () => {
  it("keeps the workspace's regular files, relative to it, and nothing else", async () => {
    const { result, gz } = await packed(engineArchive());
    expect(await unpack(gz)).toEqual({
      "MEMORY.md": "likes tea\n",
      "memory/2026-06-01.md": "# 1 June\n",
      "files/own.txt": "own file",
    });
    expect(result).toMatchObject({ files: 3, skipped: 2, bytes: gz.length });
  });

  it("stops at the compressed size, the number of files, and the bytes read", async () => {
    const noise = randomBytes(256 * 1024);
    const big = () => engineArchive((t) => t.entry({ name: "workspace/noise.bin" }, noise));
    const cases: [WorkspaceLimits, RegExp][] = [
      [{ ...LIMITS, maxBytes: 64 * 1024 }, /larger than 0\.0625 MB compressed/],
      [{ ...LIMITS, maxFiles: 2 }, /larger than 2 files/],
      [{ ...LIMITS, maxReadBytes: 128 * 1024 }, /larger than 0\.125 MB/],
    ];
    for (const [limits, message] of cases) {
      const err = await packed(big(), limits).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).code).toBe("workspace_too_large");
      expect((err as RuntimeError).message).toMatch(message);
    }
  });
});

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

describe("WorkspaceExporter", () => {
  let server: Server;
  let edgeUrl: string;
  const received: Received[] = [];
  let answer = 204;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        received.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(parts),
        });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    edgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const spoolDir = mkdtempSync(path.join(os.tmpdir(), "iw-export-"));
  afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));
  const runtime = new FakeRuntime();
  const exporterFor = () =>
    new WorkspaceExporter({
      runtime,
      edgeUrl,
      nodeToken: "iwn_test-token",
      spoolDir,
      log,
      limits: LIMITS,
    });

  it("uploads the archive with the node token and its length, and leaves no spool behind", async () => {
    runtime.archives.set("e1", () => engineArchive());
    received.length = 0;
    answer = 204;
    const result = await exporterFor().export("e1", "x1");
    expect(result.files).toBe(3);
    expect(received).toHaveLength(1);
    const [put] = received;
    expect(put?.method).toBe("PUT");
    expect(put?.url).toBe("/agent/exports/x1/e1");
    expect(put?.headers.authorization).toBe("Bearer iwn_test-token");
    expect(put?.headers["content-type"]).toBe("application/gzip");
    expect(Number(put?.headers["content-length"])).toBe(put?.body.length);
    expect(Object.keys(await unpack(put?.body ?? Buffer.alloc(0))).sort()).toEqual([
      "MEMORY.md",
      "files/own.txt",
      "memory/2026-06-01.md",
    ]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it("tells the edge why when there is nothing to send, and fails the command", async () => {
    received.length = 0;
    const err = await exporterFor()
      .export("no-such", "x2")
      .catch((e: unknown) => e);
    expect((err as RuntimeError).code).toBe("workspace_missing");
    expect(received).toHaveLength(1);
    expect(received[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(received[0]?.body.toString() ?? "")).toEqual({
      error: "the employee has no workspace",
    });
  });

  it("fails the command when the edge refuses the upload", async () => {
    runtime.archives.set("e1", () => engineArchive());
    answer = 409;
    const err = await exporterFor()
      .export("e1", "x3")
      .catch((e: unknown) => e);
    expect((err as RuntimeError).code).toBe("upload_failed");
    expect((err as RuntimeError).retryable).toBe(false);
    expect(readdirSync(spoolDir)).toEqual([]);
    answer = 204;
  });

  it("is run by the executor and answered with a result the edge parses", async () => {
    runtime.archives.set("e1", () => engineArchive());
    received.length = 0;
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => undefined, readMemory: async () => [] },
      workspaces: exporterFor(),
    });
    const result = await executor.run({
      type: "workspace.export",
      id: "c1",
      employeeId: "e1",
      exportId: "x4",
    });
    expect(result).toEqual({ type: "result", id: "c1", ok: true });
    expect(parseAgentFrame(JSON.stringify(result)).ok).toBe(true);
    expect(received.map((r) => r.url)).toEqual(["/agent/exports/x4/e1"]);
  });
});
