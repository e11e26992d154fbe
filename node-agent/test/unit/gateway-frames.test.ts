import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEVICES_DIR, GatewayDevices } from "../../employee/gateway-devices.ts";
import { GatewayError } from "../../employee/gateway-error.ts";
import {
  ChatEvent,
  ChatHistoryResult,
  MAX_GATEWAY_FRAME_BYTES,
  MAX_TEXT_CHARS,
  parseGatewayFrame,
} from "../../employee/gateway-frames.ts";
import {
  CHAT_SCOPES,
  type CLIENT,
  connectParams,
  deviceIdOf,
  generateDeviceIdentity,
} from "../../employee/gateway-handshake.ts";
import { projectHistory, runFromHistory } from "../../employee/gateway-history.ts";
import { MAX_QUEUED_EVENTS, RunFold, RunHandle } from "../../employee/gateway-run.ts";

// The gateway client's pure parts: frames from a hostile container, the device proof OpenClaw
// verifies, deltas folded into text, history projected, the run queue.

const chat = (payload: Record<string, unknown>) =>
  ChatEvent.parse({ runId: "r1", sessionKey: "s1", seq: 1, ...payload });
const assistant = (text: string, extra: Record<string, unknown> = {}) => ({
  role: "assistant",
  content: [{ type: "text", text }],
  ...extra,
});

describe("frames from the gateway", () => {
  it("parses responses and events, and says why anything else is not one", () => {
    expect(parseGatewayFrame('{"type":"res","id":"1","ok":true,"payload":{"a":1}}')).toMatchObject({
      ok: true,
      frame: { type: "res", id: "1", ok: true },
    });
    expect(
      parseGatewayFrame('{"type":"event","event":"tick","payload":{"ts":1},"seq":3,"new":1}'),
    ).toMatchObject({ ok: true, frame: { type: "event", event: "tick" } });
    for (const raw of [
      "not json",
      "null",
      "[]",
      '"res"',
      '{"type":"req","id":"1","method":"connect"}',
      '{"type":"res","ok":true}',
      '{"type":"res","id":"","ok":true}',
      `{"type":"res","id":"${"x".repeat(200)}","ok":true}`,
      '{"type":"event","event":""}',
      '{"type":"res","id":"1","ok":false,"error":{"code":1,"message":"x"}}',
      '{"__proto__":{"type":"res"},"id":"1","ok":true}',
    ])
      expect(parseGatewayFrame(raw).ok, raw).toBe(false);
    expect(parseGatewayFrame(" ".repeat(MAX_GATEWAY_FRAME_BYTES + 1))).toEqual({
      ok: false,
      error: "frame too large",
    });
  });

  it("turns OpenClaw's error shape into a GatewayError with its detail code", () => {
    const err = GatewayError.from({
      code: "FORBIDDEN",
      message: "missing scope: operator.admin",
      details: { code: "MISSING_SCOPE", missingScope: "operator.admin" },
    });
    expect(err).toMatchObject({ code: "FORBIDDEN", detail: "MISSING_SCOPE", retryable: false });
    const odd = GatewayError.from({ code: "X".repeat(500), message: "m", details: { code: 7 } });
    expect(odd.code).toHaveLength(100);
    expect(odd.detail).toBeUndefined();
    expect(
      GatewayError.from({
        code: "UNAVAILABLE",
        message: "starting",
        retryable: true,
        retryAfterMs: 500,
      }),
    ).toMatchObject({ retryable: true, retryAfterMs: 500 });
  });
});

describe("the handshake", () => {
  const identity = generateDeviceIdentity();

  it("signs OpenClaw's v3 payload with the device key, over read and write only", () => {
    const params = connectParams(identity, { nonce: "n-123" }, 1_750_000_000_000) as {
      minProtocol: number;
      maxProtocol: number;
      client: typeof CLIENT;
      role: string;
      scopes: string[];
      caps: string[];
      device: { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
      auth?: unknown;
    };
    expect(params).toMatchObject({ minProtocol: 4, maxProtocol: 4, role: "operator", caps: [] });
    expect(params.scopes).toEqual(["operator.read", "operator.write", "operator.approvals"]);
    expect(params.scopes).toEqual([...CHAT_SCOPES]);
    expect(params.client).toMatchObject({ id: "webchat-ui", mode: "webchat", platform: "linux" });
    expect(params.auth).toBeUndefined();
    const raw = Buffer.from(identity.publicKey, "base64url");
    expect(raw).toHaveLength(32);
    expect(params.device.id).toBe(createHash("sha256").update(raw).digest("hex"));
    expect(params.device.id).toBe(deviceIdOf(identity.publicKey));
    expect(params.device).toMatchObject({ signedAt: 1_750_000_000_000, nonce: "n-123" });
    // The string as OpenClaw's resolveDeviceSignaturePayloadVersion rebuilds it (v3), written
    // out here rather than built by the code under test.
    const signed = `v3|${params.device.id}|webchat-ui|webchat|operator|operator.read,operator.write,operator.approvals|1750000000000||n-123|linux|instantworker-node-agent`;
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]),
      format: "der",
      type: "spki",
    });
    const signature = Buffer.from(params.device.signature, "base64url");
    expect(verify(null, Buffer.from(signed), key, signature)).toBe(true);
    expect(verify(null, Buffer.from(signed.replace("n-123", "n-124")), key, signature)).toBe(false);
  });

  it("keeps one key per employee in a 0700 folder, 0600 files, and replaces a spoilt one", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "iw-devices-"));
    try {
      const devices = new GatewayDevices(dir);
      const first = devices.identity("emp-1");
      expect(first.created).toBe(true);
      const file = path.join(dir, DEVICES_DIR, "emp-1.json");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      // Another agent process (a restart) reads the same key.
      const again = new GatewayDevices(dir).identity("emp-1");
      expect(again).toEqual({ identity: first.identity, created: false });
      expect(new GatewayDevices(dir).identity("emp-2").identity.publicKey).not.toBe(
        first.identity.publicKey,
      );
      writeFileSync(file, '{"version":1,"publicKey":"short","privateKey":"x"}');
      const fresh = new GatewayDevices(dir).identity("emp-1");
      expect(fresh.created).toBe(true);
      expect(JSON.parse(readFileSync(file, "utf8")).publicKey).toBe(fresh.identity.publicKey);
      expect(() => devices.identity("../escape")).toThrow(/not an employee id/);
      devices.delete("emp-1");
      expect(() => statSync(file)).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a run's events", () => {
  it("folds deltas into the whole text, preferring the cumulative message", () => {
    const fold = new RunFold();
    expect(fold.chat(chat({ state: "status", phase: "starting_model" }))).toEqual({
      type: "status",
      phase: "starting_model",
    });
    expect(fold.chat(chat({ state: "delta", seq: 2, deltaText: "Hel" }))).toMatchObject({
      type: "delta",
      text: "Hel",
    });
    // A dropped delta: the message still carries everything.
    expect(
      fold.chat(chat({ state: "delta", seq: 5, deltaText: "!", message: assistant("Hello!") })),
    ).toMatchObject({ text: "Hello!" });
    // An older one after it (a redelivery) never rolls the text back.
    expect(fold.chat(chat({ state: "delta", seq: 3, deltaText: "lo" }))).toBeUndefined();
    // Without a message, the increment is appended; with replace it is the whole text.
    expect(fold.chat(chat({ state: "delta", seq: 6, deltaText: " You" }))).toMatchObject({
      text: "Hello! You",
    });
    expect(
      fold.chat(chat({ state: "delta", seq: 7, deltaText: "Hi", replace: true })),
    ).toMatchObject({ text: "Hi" });
    expect(fold.chat(chat({ state: "final", seq: 8, stopReason: "stop" }))).toEqual({
      type: "final",
      text: "Hi",
      truncated: false,
      stopReason: "stop",
    });
    // Nothing after the end.
    expect(fold.chat(chat({ state: "delta", seq: 9, deltaText: "more" }))).toBeUndefined();
    expect(fold.chat(chat({ state: "error", seq: 9, errorMessage: "late" }))).toBeUndefined();
  });

  it("ends with the final message's own text, an abort's partial text, an error's message", () => {
    const final = new RunFold();
    final.chat(chat({ state: "delta", deltaText: "partial" }));
    expect(final.chat(chat({ state: "final", message: assistant("whole answer") }))).toMatchObject({
      type: "final",
      text: "whole answer",
    });
    const aborted = new RunFold();
    aborted.chat(chat({ state: "delta", deltaText: "w1 w2" }));
    expect(aborted.chat(chat({ state: "aborted", stopReason: "rpc" }))).toEqual({
      type: "aborted",
      text: "w1 w2",
      truncated: false,
      stopReason: "rpc",
    });
    const failed = new RunFold();
    expect(
      failed.chat(
        chat({
          state: "error",
          errorMessage: `  ${"x".repeat(5_000)}`,
          errorKind: "rate_limit",
          errorDetail: { httpStatus: 429 },
        }),
      ),
    ).toMatchObject({ type: "error", kind: "rate_limit", httpStatus: 429, text: "" });
    expect(failed.ended?.type === "error" && failed.ended.message).toHaveLength(1_000);
    expect(new RunFold().chat(chat({ state: "error" }))).toMatchObject({
      message: "the run failed",
    });
  });

  it("caps what it keeps of a hostile answer", () => {
    const fold = new RunFold();
    const huge = "y".repeat(MAX_TEXT_CHARS + 10);
    expect(fold.chat(chat({ state: "delta", deltaText: "", message: assistant(huge) }))).toEqual({
      type: "delta",
      text: huge.slice(0, MAX_TEXT_CHARS),
      truncated: true,
    });
    const parts = {
      role: "assistant",
      content: [
        { type: "text", text: "a" },
        { type: "image", text: "not text" },
        null,
        { type: "text", text: 5 },
        { type: "text", text: "b" },
      ],
    };
    expect(fold.chat(chat({ state: "final", message: parts }))).toMatchObject({ text: "ab" });
  });

  it("reports tool activity from the agent's item stream only, cut to size", () => {
    const fold = new RunFold();
    const agent = (stream: string, data: Record<string, unknown>) =>
      fold.agent({ runId: "r1", stream, data });
    expect(
      agent("item", {
        itemId: "tool:call_1",
        phase: "start",
        kind: "tool",
        title: `read ${"z".repeat(2_000)}`,
        status: "running",
        extra: { anything: true },
      }),
    ).toMatchObject({ type: "tool", itemId: "tool:call_1", phase: "start", status: "running" });
    expect(
      (agent("item", { itemId: "i", phase: "end", kind: "tool", title: "t" }) as { title: string })
        .title,
    ).toBe("t");
    expect(agent("tool", { phase: "start", name: "read", args: { secret: 1 } })).toBeUndefined();
    expect(
      agent("item", { itemId: "i", phase: "sideways", kind: "k", title: "t" }),
    ).toBeUndefined();
    expect(agent("item", { phase: "start" })).toBeUndefined();
  });

  it("rejects chat events that are not one", () => {
    for (const bad of [
      { runId: "r", sessionKey: "s", seq: 1, state: "delta" },
      { runId: "r", sessionKey: "s", seq: -1, state: "final" },
      { runId: "", sessionKey: "s", seq: 1, state: "final" },
      { runId: "r", sessionKey: "s", seq: 1, state: "exploded" },
      { runId: "r", sessionKey: "s".repeat(513), seq: 1, state: "final" },
    ])
      expect(ChatEvent.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
  });
});

describe("the run handle", () => {
  it("yields events until the end, keeping only the newest of waiting deltas", async () => {
    const run = new RunHandle("r1", "s1");
    const delta = (text: string) => ({ type: "delta" as const, text, truncated: false });
    run.push(delta("a"));
    run.push(delta("ab"));
    run.push({ type: "status", phase: "x" });
    for (let i = 0; i < MAX_QUEUED_EVENTS + 10; i++)
      run.push({ type: "tool", itemId: `i${i}`, phase: "start", kind: "tool", title: "t" });
    run.push(delta("abc"));
    run.push({ type: "final", text: "abc", truncated: false });
    run.push(delta("after the end"));
    const seen = [];
    for await (const e of run) seen.push(e);
    expect(seen[0]).toEqual(delta("ab"));
    expect(seen.at(-1)).toEqual({ type: "final", text: "abc", truncated: false });
    expect(seen.length).toBeLessThanOrEqual(MAX_QUEUED_EVENTS + 1);
    expect(run.dropped).toBeGreaterThan(0);
    expect(await run.done).toEqual({ type: "final", text: "abc", truncated: false });
  });

  it("wakes a reader waiting for the next event", async () => {
    const run = new RunHandle("r1", "s1");
    const reading = (async () => {
      const seen: string[] = [];
      for await (const e of run) seen.push(e.type);
      return seen;
    })();
    await new Promise((r) => setTimeout(r, 10));
    run.push({ type: "delta", text: "x", truncated: false });
    await new Promise((r) => setTimeout(r, 10));
    run.push({ type: "aborted", text: "x", truncated: false });
    expect(await reading).toEqual(["delta", "aborted"]);
  });
});

describe("the history", () => {
  const page = (messages: unknown[], extra: Record<string, unknown> = {}) =>
    ChatHistoryResult.parse({ sessionKey: "s1", messages, ...extra });

  it("projects transcript rows to plain messages and skips what is not one", () => {
    const projected = projectHistory(
      page(
        [
          { role: "user", content: "hi", timestamp: 1, __openclaw: { id: "m1", seq: 1 } },
          assistant("hello", {
            stopReason: "stop",
            content: [
              { type: "text", text: "hello" },
              { type: "toolCall", id: "c1", name: "read", arguments: {} },
            ],
          }),
          { role: "toolResult", toolCallId: "c1", content: [{ type: "text", text: "file" }] },
          { role: "system", content: "s" },
          "not a row",
          null,
        ],
        { hasMore: true, nextOffset: 6, totalMessages: 40 },
      ),
    );
    expect(projected).toEqual({
      sessionKey: "s1",
      messages: [
        { id: "m1", role: "user", text: "hi", truncated: false, timestamp: 1 },
        { role: "assistant", text: "hello", truncated: false, stopReason: "stop", tools: ["read"] },
        { role: "tool", text: "file", truncated: false },
        { role: "other", text: "s", truncated: false },
      ],
      hasMore: true,
      nextOffset: 6,
      totalMessages: 40,
    });
  });

  it("tells what became of a run the client lost sight of", () => {
    const asked = { role: "user", content: "hi" };
    expect(
      runFromHistory("r1", page([asked], { inFlightRun: { runId: "r1", text: "so far" } })),
    ).toEqual({ type: "delta", text: "so far", truncated: false });
    expect(
      runFromHistory("r1", page([asked], { sessionInfo: { activeRunIds: ["r1"] } })),
    ).toBeUndefined();
    expect(runFromHistory("r1", page([asked, assistant("done", { stopReason: "stop" })]))).toEqual({
      type: "final",
      text: "done",
      truncated: false,
      stopReason: "stop",
      recovered: true,
    });
    expect(
      runFromHistory("r1", page([asked, assistant("⚠️ rate limit", { stopReason: "error" })])),
    ).toMatchObject({ type: "error", message: "⚠️ rate limit" });
    expect(runFromHistory("r1", page([asked]))).toMatchObject({
      type: "error",
      kind: "disconnected",
    });
    // Rows marked with their run: the run's own answer, not the newest one.
    const mine = assistant("mine", { stopReason: "stop", __openclaw: { id: "m1", runId: "r1" } });
    const later = assistant("later", { stopReason: "stop", __openclaw: { id: "m2", runId: "r2" } });
    expect(runFromHistory("r1", page([asked, mine, asked, later]))).toMatchObject({
      type: "final",
      text: "mine",
    });
    expect(runFromHistory("r3", page([asked, mine, asked, later]))).toMatchObject({
      type: "error",
      kind: "disconnected",
    });
  });
});
