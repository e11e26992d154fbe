// The chat relay over a fake runtime and a stand-in gateway client (no Docker): frames throttled
// to ~4 a second with the end always sent, a repeated run id joining the run, the run deadline,
// the client closed when the container stops and its device key deleted when it goes, refusals
// mapped for the command's result, and attachments checked and placed (against a loopback edge).
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type ChatAttachmentRef, parseAgentFrame } from "../../../edge/protocol/frames.ts";
import {
  ChatAttachments,
  INLINE_IMAGE_MAX_BYTES,
  suffixed,
  withAttachmentLines,
} from "../../employee/chat-attachments.ts";
import { CHAT_PROGRESS_INTERVAL_MS, type ChatProgressFrame } from "../../employee/chat-progress.ts";
import { ChatRelay } from "../../employee/chat-relay.ts";
import { type GatewayClientOptions, GatewayError } from "../../employee/gateway-client.ts";
import { DEVICES_DIR, GatewayDevices } from "../../employee/gateway-devices.ts";
import { RunHandle } from "../../employee/gateway-run.ts";
import { CommandExecutor } from "../../hub/command-executor.ts";
import { createLogger } from "../../logger.ts";
import type { ReadResult, TarEntry } from "../../runtime/tar.ts";
import { FakeRuntime } from "../fake-runtime.ts";

const log = createLogger("silent");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-chat-unit-"));
const CONFIG = JSON.stringify({ gateway: { auth: { trustedProxy: { allowUsers: ["acct-1"] } } } });
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

// The employee's files as the runtime would show them: openclaw.json, and whatever a test plants.
class ChatRuntime extends FakeRuntime {
  files = new Map<string, Buffer | "dir" | "link">([
    ["openclaw/openclaw.json", Buffer.from(CONFIG)],
  ]);
  written: TarEntry[][] = [];
  override async readFiles(_id?: string, rel = ""): Promise<ReadResult> {
    const f = this.files.get(rel);
    if (!f) return { entries: [], truncated: false };
    const content = Buffer.isBuffer(f) ? f : Buffer.alloc(0);
    const type = f === "dir" ? "directory" : f === "link" ? "other" : "file";
    return {
      entries: [{ path: rel, type, size: content.length, mtimeMs: 0, content, truncated: false }],
      truncated: false,
    };
  }
  override async writeFiles(_id?: string, entries: readonly TarEntry[] = []): Promise<void> {
    this.written.push([...entries]);
    for (const e of entries) this.files.set(e.path, e.content ?? "dir");
  }
}

// A gateway client whose runs the test drives.
class StandInClient {
  static made: StandInClient[] = [];
  readonly opts: GatewayClientOptions;
  sends: { sessionKey: string; text: string; idempotencyKey: string; images: number }[] = [];
  aborts: { sessionKey: string; runId?: string }[] = [];
  runs = new Map<string, RunHandle>();
  closed = false;
  refuse: GatewayError | undefined;
  constructor(opts: GatewayClientOptions) {
    this.opts = opts;
    StandInClient.made.push(this);
  }
  async connect() {
    return {} as never;
  }
  async send(
    sessionKey: string,
    text: string,
    o: { idempotencyKey: string; attachments?: unknown[] },
  ): Promise<RunHandle> {
    if (this.refuse) throw this.refuse;
    this.sends.push({
      sessionKey,
      text,
      idempotencyKey: o.idempotencyKey,
      images: o.attachments?.length ?? 0,
    });
    const run = new RunHandle(o.idempotencyKey, sessionKey);
    this.runs.set(o.idempotencyKey, run);
    return run;
  }
  async abort(sessionKey: string, runId?: string) {
    this.aborts.push({ sessionKey, ...(runId ? { runId } : {}) });
    return { aborted: true, runIds: runId ? [runId] : [] };
  }
  async close() {
    this.closed = true;
    for (const run of this.runs.values())
      run.push({ type: "error", message: "closed", kind: "closed", text: "", truncated: false });
  }
}

function setUp(opts: { runTimeoutMs?: number; refuse?: GatewayError } = {}) {
  StandInClient.made = [];
  const runtime = new ChatRuntime();
  runtime.endpoints.set("e1", { host: "10.0.0.2", port: 18789 });
  const frames: ChatProgressFrame[] = [];
  const devices = new GatewayDevices(stateDir);
  const relay = new ChatRelay({
    runtime,
    devices,
    attachments: { deliver: async () => ({ paths: [], images: [] }) },
    send: (f) => {
      // Every frame as the edge reads it.
      const parsed = parseAgentFrame(JSON.stringify(f));
      if (!parsed.ok) throw new Error(parsed.error);
      frames.push(f);
    },
    log,
    ...(opts.runTimeoutMs ? { runTimeoutMs: opts.runTimeoutMs } : {}),
    client: (o) => {
      const c = new StandInClient(o);
      if (opts.refuse) c.refuse = opts.refuse;
      return c;
    },
  });
  return { runtime, frames, relay, devices };
}
const sendCmd = (runId: string, over: object = {}) => ({
  type: "chat.send" as const,
  id: `c-${runId}`,
  employeeId: "e1",
  sessionKey: "agent:main:web:conv1",
  runId,
  text: "hello",
  attachments: [],
  ...over,
});
const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("the chat relay", () => {
  it("streams at most ~4 frames a second, the newest text each time, and the end at once", async () => {
    vi.useFakeTimers();
    const { frames, relay } = setUp();
    await relay.send(sendCmd("r1"));
    const client = StandInClient.made[0];
    expect(client?.opts.accountId).toBe("acct-1");
    const run = client?.runs.get("r1");
    if (!run) throw new Error("no run");
    let text = "";
    for (let i = 0; i < 100; i++) {
      text += `w${i} `;
      run.push({ type: "delta", text, truncated: false });
      await vi.advanceTimersByTimeAsync(10); // 100 deltas a second for one second
    }
    const streaming = frames.filter((f) => f.state === "streaming");
    expect(streaming.length).toBeGreaterThanOrEqual(4);
    expect(streaming.length).toBeLessThanOrEqual(1000 / CHAT_PROGRESS_INTERVAL_MS + 1);
    run.push({
      type: "tool",
      itemId: "tool:1",
      phase: "start",
      kind: "tool",
      name: "read",
      title: "Read from IDENTITY.md",
      status: "running",
    });
    run.push({ type: "final", text: `${text}done`, truncated: false });
    await vi.advanceTimersByTimeAsync(0);
    const end = frames.at(-1);
    expect(end).toMatchObject({ state: "final", text: `${text}done`, runId: "r1" });
    expect(end?.tools).toEqual([
      { id: "tool:1", kind: "file", summary: "Read IDENTITY.md", status: "done" },
    ]);
    // Nothing after the end, however long one waits.
    const count = frames.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(frames).toHaveLength(count);
  });

  it("joins a repeated run id instead of sending again, and repeats how an ended run ended", async () => {
    const { frames, relay } = setUp();
    await Promise.all([relay.send(sendCmd("r1")), relay.send(sendCmd("r1", { id: "other" }))]);
    const client = StandInClient.made[0];
    expect(StandInClient.made).toHaveLength(1);
    expect(client?.sends).toHaveLength(1);
    client?.runs.get("r1")?.push({ type: "final", text: "answer", truncated: false });
    await tick();
    await relay.send(sendCmd("r1"));
    expect(client?.sends).toHaveLength(1);
    expect(frames.filter((f) => f.state === "final").map((f) => f.text)).toEqual([
      "answer",
      "answer",
    ]);
  });

  it("stops a run past its deadline and reports timed_out", async () => {
    const { frames, relay } = setUp({ runTimeoutMs: 50 });
    await relay.send(sendCmd("slow"));
    await new Promise((r) => setTimeout(r, 120));
    const client = StandInClient.made[0];
    expect(client?.aborts).toEqual([{ sessionKey: "agent:main:web:conv1", runId: "slow" }]);
    expect(frames.at(-1)).toMatchObject({ state: "error", error: { code: "timed_out" } });
    // OpenClaw's own "aborted" that follows changes nothing.
    client?.runs.get("slow")?.push({ type: "aborted", text: "", truncated: false });
    await tick();
    expect(frames.filter((f) => f.state !== "streaming")).toHaveLength(1);
  });

  it("closes the client when the container stops, and forgets the device when it goes", async () => {
    const { runtime, frames, relay, devices } = setUp();
    await relay.send(sendCmd("r1"));
    runtime.emit({ type: "stopped", employeeId: "e1", containerId: "x", exitCode: 0 });
    await tick();
    expect(StandInClient.made[0]?.closed).toBe(true);
    expect(frames.at(-1)).toMatchObject({ state: "error", error: { code: "unreachable" } });
    // The next message makes a new client.
    await relay.send(sendCmd("r2"));
    expect(StandInClient.made).toHaveLength(2);
    devices.identity("e1");
    const key = path.join(stateDir, DEVICES_DIR, "e1.json");
    expect(existsSync(key)).toBe(true);
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => {}, readMemory: async () => [] },
      chat: relay,
    });
    expect(
      await executor.run({ type: "container.remove", id: "rm", employeeId: "e1" }),
    ).toMatchObject({ ok: true });
    expect(StandInClient.made[1]?.closed).toBe(true);
    expect(existsSync(key)).toBe(false);
  });

  it("answers chat.send and chat.abort through the executor, refusals mapped", async () => {
    const { runtime, relay } = setUp();
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => {}, readMemory: async () => [] },
      chat: relay,
    });
    expect(await executor.run(sendCmd("r1"))).toEqual({ type: "result", id: "c-r1", ok: true });
    const abort = {
      type: "chat.abort" as const,
      id: "a1",
      employeeId: "e1",
      sessionKey: "agent:main:web:conv1",
    };
    expect(await executor.run(abort)).toMatchObject({ ok: true });
    expect(StandInClient.made[0]?.aborts).toEqual([{ sessionKey: "agent:main:web:conv1" }]);
    // Not running: nothing to stop is fine; a message waits for it (retryable).
    expect(await executor.run({ ...abort, id: "a2", employeeId: "e9" })).toMatchObject({
      ok: true,
    });
    expect(await executor.run({ ...sendCmd("r2"), employeeId: "e9" })).toMatchObject({
      ok: false,
      error: { code: "not_running", retryable: true },
    });
    // An agent without a chat relay says so.
    expect(await new CommandExecutor(runtime, log).run(sendCmd("r3"))).toMatchObject({
      ok: false,
      error: { code: "unsupported", retryable: false },
    });
    const refused = async (e: GatewayError) => {
      const s = setUp({ refuse: e });
      return s.relay.send(sendCmd("x")).then(
        () => undefined,
        (err: { code: string; retryable: boolean }) => ({
          code: err.code,
          retryable: err.retryable,
        }),
      );
    };
    expect(await refused(new GatewayError("INVALID_REQUEST", "message too long"))).toEqual({
      code: "bad_command",
      retryable: false,
    });
    expect(
      await refused(new GatewayError("INVALID_REQUEST", "attachment a: exceeds size limit")),
    ).toEqual({
      code: "attachment_failed",
      retryable: false,
    });
    expect(
      await refused(new GatewayError("INVALID_REQUEST", "the message is over 26148864 bytes")),
    ).toEqual({
      code: "attachment_failed",
      retryable: false,
    });
    expect(await refused(new GatewayError("DISCONNECTED", "socket closed"))).toEqual({
      code: "unreachable",
      retryable: true,
    });
  });
});

describe("chat attachments", () => {
  let edge: Server;
  let edgeUrl = "";
  const served = new Map<string, Buffer>();
  beforeAll(async () => {
    edge = createServer((req, res) => {
      const id = (req.url ?? "").split("/").at(-1) ?? "";
      const body = served.get(id);
      if (req.headers.authorization !== "Bearer node-token" || !body)
        return void res.writeHead(404).end();
      res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
    edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
  });
  afterAll(() => edge.close());
  const serve = (
    id: string,
    name: string,
    content: Buffer,
    contentType = "text/plain",
  ): ChatAttachmentRef => {
    served.set(id, content);
    return { id, name, size: content.length, sha256: sha(content), contentType };
  };

  it("writes each file under uploads/, a taken name with a suffix, images for chat.send too", async () => {
    const runtime = new ChatRuntime();
    runtime.files.set("workspace/uploads", "dir");
    runtime.files.set("workspace/uploads/notes.txt", Buffer.from("the employee's own"));
    runtime.files.set("workspace/uploads/same.txt", Buffer.from("same"));
    const attachments = new ChatAttachments({ runtime, edgeUrl, nodeToken: "node-token", log });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const got = await attachments.deliver("e1", [
      serve("a1", "notes.txt", Buffer.from("new notes")),
      serve("a2", "same.txt", Buffer.from("same")),
      serve("a3", "pic.png", png, "image/png"),
      serve("a4", "notes.txt", Buffer.from("third")),
    ]);
    expect(got.paths).toEqual([
      "uploads/notes-2.txt",
      "uploads/same.txt",
      "uploads/pic.png",
      "uploads/notes-3.txt",
    ]);
    expect(got.images).toEqual([
      { content: png.toString("base64"), fileName: "pic.png", mimeType: "image/png" },
    ]);
    expect(runtime.files.get("workspace/uploads/notes.txt")?.toString()).toBe("the employee's own");
    // Folders are written as folders before the file: a link planted there is replaced.
    expect(runtime.written[0]?.map((e) => e.path)).toEqual([
      "workspace",
      "workspace/uploads",
      "workspace/uploads/notes-2.txt",
    ]);
    expect(withAttachmentLines("look", got.paths.slice(0, 1))).toBe(
      "look\n\n[Attached file: uploads/notes-2.txt]",
    );
    expect(suffixed("archive", 3)).toBe("archive-3");
    // An image past OpenClaw's inline limit is only named, like any file.
    const big = Buffer.alloc(INLINE_IMAGE_MAX_BYTES + 1, 7);
    const large = await attachments.deliver("e1", [serve("a5", "big.png", big, "image/png")]);
    expect(large).toEqual({ paths: ["uploads/big.png"], images: [] });
  });

  it("treats a link at uploads/ as nothing there, and refuses bad bytes as attachment_failed", async () => {
    const runtime = new ChatRuntime();
    runtime.files.set("workspace/uploads", "link");
    runtime.files.set("workspace/uploads/a.txt", Buffer.from("behind the link"));
    const attachments = new ChatAttachments({ runtime, edgeUrl, nodeToken: "node-token", log });
    expect(
      (await attachments.deliver("e1", [serve("b1", "a.txt", Buffer.from("x"))])).paths,
    ).toEqual(["uploads/a.txt"]);
    const fail = (ref: ChatAttachmentRef) =>
      attachments.deliver("e1", [ref]).then(
        () => undefined,
        (e: { code: string; retryable: boolean }) => ({ code: e.code, retryable: e.retryable }),
      );
    const good = serve("b2", "b.txt", Buffer.from("bytes"));
    expect(await fail({ ...good, sha256: "0".repeat(64) })).toEqual({
      code: "attachment_failed",
      retryable: true,
    });
    expect(await fail({ ...good, size: 2 })).toEqual({
      code: "attachment_failed",
      retryable: true,
    });
    expect(await fail({ ...good, id: "missing" })).toEqual({
      code: "attachment_failed",
      retryable: false,
    });
    expect(await fail({ ...good, size: 11 * 1024 * 1024 })).toEqual({
      code: "attachment_failed",
      retryable: false,
    });
  });
});
