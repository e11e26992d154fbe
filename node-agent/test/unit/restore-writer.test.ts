import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeError } from "../../runtime/employee-runtime.ts";
import { checkedPlaintext } from "../../snapshot/chunk-fetcher.ts";
import { chunkOrder, resolveBelow, writeSnapshot } from "../../snapshot/restore-writer.ts";
import { buildSnapshot, type TestFile, type TestSnapshot } from "../restore-edge.ts";

// The restore writer alone: what it makes of a manifest in a staging folder, and what it refuses.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const staging = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "iw-restore-writer-"));
  dirs.push(d);
  return d;
};

// Chunks as the fetcher hands them out: in manifest order, checked by digest.
async function* source(snap: TestSnapshot, tamper?: string): AsyncGenerator<Uint8Array> {
  for (const sha of chunkOrder(snap.manifest)) {
    const plain = Buffer.from(snap.chunk(sha));
    if (sha === tamper) plain.writeUInt8(plain.readUInt8(0) ^ 1, 0);
    yield checkedPlaintext(sha, 0, plain);
  }
}

const write = (root: string, files: TestFile[], tamper?: (s: TestSnapshot) => string) => {
  const snap = buildSnapshot("s1", "e1", files);
  return writeSnapshot(root, snap.manifest, source(snap, tamper?.(snap)), {
    owner: process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : null,
  });
};

async function refused(work: Promise<unknown>): Promise<RuntimeError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  expect((err as RuntimeError).code).toBe("snapshot_corrupt");
  expect((err as RuntimeError).retryable).toBe(false);
  return err as RuntimeError;
}

describe("restore writer", () => {
  it("restores folders with their modes, files in chunk order with mode and mtime, links as links, owned by the employee", async () => {
    const root = staging();
    const big = Buffer.alloc(2.5 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const summary = await write(root, [
      { type: "dir", path: "workspace/memory", mode: 0o700 },
      { type: "file", path: "workspace/memory/2026-12-02.md", content: "remembered", mode: 0o600 },
      { type: "file", path: "openclaw/state/openclaw.sqlite", content: big, mode: 0o640 },
      { type: "file", path: "openclaw/empty", content: "" },
      { type: "file", path: "openclaw/setuid", content: "x", mode: 0o4755 },
      { type: "symlink", path: "workspace/latest", target: "memory/2026-12-02.md" },
      { type: "symlink", path: "browser/SingletonLock", target: "/etc/passwd" },
      { type: "dir", path: "workspace/readonly", mode: 0o555 },
      { type: "file", path: "workspace/readonly/inside.txt", content: "still written" },
    ]);
    expect(summary).toEqual({ files: 5, bytes: big.length + 10 + 1 + 13, skipped: 0 });
    const at = (p: string) => path.join(root, p);
    expect(readFileSync(at("workspace/memory/2026-12-02.md"), "utf8")).toBe("remembered");
    expect(readFileSync(at("openclaw/state/openclaw.sqlite")).equals(big)).toBe(true);
    expect(lstatSync(at("workspace/memory")).mode & 0o7777).toBe(0o700);
    expect(lstatSync(at("workspace/memory/2026-12-02.md")).mode & 0o7777).toBe(0o600);
    expect(lstatSync(at("openclaw/state/openclaw.sqlite")).mode & 0o7777).toBe(0o640);
    expect(lstatSync(at("openclaw/setuid")).mode & 0o7777).toBe(0o755); // set-uid dropped
    expect(lstatSync(at("workspace/readonly")).mode & 0o7777).toBe(0o555);
    expect(readFileSync(at("workspace/readonly/inside.txt"), "utf8")).toBe("still written");
    expect(lstatSync(at("openclaw/empty")).size).toBe(0);
    expect(lstatSync(at("workspace/memory/2026-12-02.md")).mtimeMs).toBe(1_700_000_000_000);
    // Links are links, with their target as written, never followed.
    expect(lstatSync(at("workspace/latest")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(at("workspace/latest"))).toBe("memory/2026-12-02.md");
    expect(readlinkSync(at("browser/SingletonLock"))).toBe("/etc/passwd");
    // The image's skeleton, with the shared files' mount point.
    expect(lstatSync(at("workspace/team-files")).isDirectory()).toBe(true);
    if (process.getuid?.() === 0) {
      for (const p of [
        "openclaw",
        "workspace/memory",
        "workspace/memory/2026-12-02.md",
        "workspace/latest",
        "workspace/team-files",
        "browser",
      ]) {
        const st = lstatSync(at(p));
        expect([p, st.uid, st.gid]).toEqual([p, 1000, 1000]);
      }
    }
  });

  it("never restores the account's shared files (team-files is a read-only bind)", async () => {
    const root = staging();
    const summary = await write(root, [
      { type: "file", path: "workspace/team-files/handbook.pdf", content: "shared" },
      { type: "file", path: "workspace/own.md", content: "mine" },
    ]);
    expect(summary.skipped).toBe(1);
    expect(readdirSync(path.join(root, "workspace/team-files"))).toEqual([]);
  });

  it("refuses a file below a link: nothing is written through it", async () => {
    const outside = staging();
    const root = staging();
    await refused(
      write(root, [
        { type: "symlink", path: "workspace/escape", target: outside },
        { type: "file", path: "workspace/escape/planted", content: "owned" },
      ]),
    );
    expect(readdirSync(outside)).toEqual([]);
    await refused(
      write(staging(), [
        { type: "symlink", path: "workspace/up", target: "../../.." },
        { type: "dir", path: "workspace/up/etc", mode: 0o755 },
      ]),
    );
  });

  it("refuses a path that leaves the staging folder, whatever the parser let through", () => {
    const root = staging();
    for (const bad of ["../x", "workspace/../../x", "/etc/passwd", "workspace//x", "a\0b", "./x"])
      expect(() => resolveBelow(root, bad), bad).toThrow(/not a path below/);
    expect(resolveBelow(root, "workspace/a/b")).toBe(path.join(root, "workspace/a/b"));
  });

  it("refuses a chunk whose bytes do not match its digest, and a file of the wrong size", async () => {
    const files: TestFile[] = [{ type: "file", path: "workspace/a", content: "hello" }];
    const err = await refused(write(staging(), files, (s) => chunkOrder(s.manifest)[0] ?? ""));
    expect(err.message).toMatch(/arrived as/);

    const snap = buildSnapshot("s1", "e1", files);
    const entry = snap.manifest.entries[0];
    if (entry?.type === "file") entry.size = 6;
    await refused(writeSnapshot(staging(), snap.manifest, source(snap), { owner: null }));
  });

  it("checks a deflated frame after inflating it, and refuses one that does not inflate", async () => {
    const { deflateRawSync } = await import("node:zlib");
    const { createHash } = await import("node:crypto");
    const plain = Buffer.from("a".repeat(10_000));
    const sha = createHash("sha256").update(plain).digest("hex");
    expect(Buffer.from(checkedPlaintext(sha, 1, deflateRawSync(plain))).equals(plain)).toBe(true);
    expect(() => checkedPlaintext(sha, 1, Buffer.from("not deflate"))).toThrow(/inflate/);
    expect(() => checkedPlaintext(sha, 0, Buffer.from("b"))).toThrow(/arrived as/);
  });
});
