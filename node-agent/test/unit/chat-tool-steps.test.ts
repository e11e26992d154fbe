// The chat's plain words: OpenClaw's activity items as tool steps (titles as its tool-display
// table makes them), how a run's end maps to the contract's error codes, and the text cut to
// what one frame holds.
import { describe, expect, it } from "vitest";
import { CHAT_ERROR_CODES } from "../../../edge/contract/chat.ts";
import { CHAT_FRAME_TEXT_CHARS, ChatToolStep } from "../../../edge/protocol/frames.ts";
import { classifyFailure, failureOf } from "../../employee/chat-errors.ts";
import { CHAT_FRAME_TEXT_BYTES, fitText } from "../../employee/chat-progress.ts";
import { toolStep } from "../../employee/chat-tool-steps.ts";
import type { RunEvent } from "../../employee/gateway-run.ts";

type Tool = Extract<RunEvent, { type: "tool" }>;
const item = (over: Partial<Tool>): Tool => ({
  type: "tool",
  itemId: "tool:call-1",
  phase: "start",
  kind: "tool",
  title: "",
  status: "running",
  ...over,
});

describe("tool steps in plain words", () => {
  it.each([
    [{ name: "read", title: "Read from IDENTITY.md" }, "file", "Read IDENTITY.md"],
    [
      { name: "read", title: "Read first 20 lines of notes.md" },
      "file",
      "Read first 20 lines of notes.md",
    ],
    [
      { name: "write", title: "Write to notes.md (120 chars)" },
      "file",
      "Wrote notes.md (120 chars)",
    ],
    [{ name: "edit", title: "Edit in plan.md" }, "file", "Edited plan.md"],
    [{ name: "exec", title: "Exec ls -la" }, "command", "Ran a command: ls -la"],
    [{ name: "bash", title: "Bash git status" }, "command", "Ran a command: git status"],
    [
      { kind: "command", title: "command ls -la", itemId: "command:c1" },
      "command",
      "Ran a command: ls -la",
    ],
    [
      { name: "browser", title: "Browser https://example.com/" },
      "browser",
      "Opened example.com in the browser",
    ],
    [
      { name: "browser", title: "Browser https://example.com/pricing?x=1" },
      "browser",
      "Opened example.com/pricing?x=1 in the browser",
    ],
    [{ name: "browser", title: "Browser" }, "browser", "Used the browser"],
    [
      { name: "web_search", title: 'Web Search for "cheap flights"' },
      "web",
      'Searched the web for "cheap flights"',
    ],
    [
      { name: "web_fetch", title: "Web Fetch from https://news.example.org/a (mode markdown)" },
      "web",
      "Read the web page news.example.org/a",
    ],
    [
      { name: "memory_search", title: "Memory Search tea" },
      "memory",
      "Searched its memory for tea",
    ],
    [{ name: "message", title: "Message" }, "message", "Sent a message"],
    [{ name: "cron", title: "Cron add" }, "other", "Cron add"],
    [{ title: "" }, "other", "Used a tool"],
  ] as const)("%o → %s: %s", (over, kind, summary) => {
    expect(toolStep(item(over))).toMatchObject({ kind, summary });
  });

  it("says how the step ended", () => {
    const end = { name: "read", title: "Read from a.md", phase: "end" } as const;
    expect(toolStep(item({ ...end, phase: "start" })).status).toBe("running");
    expect(toolStep(item({ ...end, status: undefined })).status).toBe("done");
    expect(toolStep(item({ ...end, status: "completed" })).status).toBe("done");
    expect(
      toolStep(item({ ...end, status: "failed", error: "ENOENT:\n no such file" })),
    ).toMatchObject({
      status: "failed",
      summary: "Read a.md (failed: ENOENT: no such file)",
    });
    expect(toolStep(item({ ...end, status: "blocked" }))).toMatchObject({
      status: "failed",
      summary: "Read a.md (blocked)",
    });
    expect(toolStep(item({ name: "exec", title: "Exec rm x — outcome unknown" })).summary).toBe(
      "Ran a command: rm x",
    );
  });

  it("keeps to the frame's sizes whatever the container says", () => {
    const step = toolStep(
      item({ itemId: "i".repeat(5_000), name: "exec", title: `Exec ${"a\n".repeat(5_000)}` }),
    );
    expect(ChatToolStep.safeParse(step).success).toBe(true);
    expect(step.summary.length).toBeLessThanOrEqual(300);
    expect(step.summary).not.toContain("\n");
  });
});

describe("how an answer failed", () => {
  it("reads OpenClaw's warning answers and errors as the contract's codes", () => {
    const final = (text: string) => failureOf({ type: "final", text, truncated: false });
    expect(final("Hello there")).toBeUndefined();
    expect(final("⚠️ API rate limit reached. Please try again later.")).toEqual({
      code: "model_error",
      message: "⚠️ API rate limit reached. Please try again later.",
    });
    expect(
      final(
        "⚠️ 429 This account has used its Starter plan's AI budget of €5.00 for this month. Upgrade the plan, or wait for next month.",
      )?.code,
    ).toBe("budget_exceeded");
    expect(final("⚠️ API provider returned a billing error — 402")?.code).toBe("budget_exceeded");
    expect(final("⚠️ The AI provider is not configured on this server.")?.code).toBe("no_model");
    const error = (over: object) =>
      failureOf({
        type: "error",
        message: "LLM request failed",
        text: "",
        truncated: false,
        ...over,
      });
    expect(error({})?.code).toBe("model_error");
    expect(error({ kind: "disconnected" })?.code).toBe("unreachable");
    expect(error({ kind: "closed" })?.code).toBe("unreachable");
    expect(error({ httpStatus: 402 })?.code).toBe("budget_exceeded");
    expect(
      error({ httpStatus: 429, providerMessage: '{"error":{"code":"budget_exceeded"}}' })?.code,
    ).toBe("budget_exceeded");
    expect(error({ kind: "timeout" })?.code).toBe("model_error");
    expect(failureOf({ type: "aborted", text: "w1", truncated: false })).toBeUndefined();
    for (const text of ["", "x", "⚠️ anything"])
      expect(CHAT_ERROR_CODES).toContain(classifyFailure(text));
  });
});

describe("the text a frame carries", () => {
  it("is cut to the characters and the bytes a frame holds, never half a pair", () => {
    expect(fitText("short")).toEqual({ text: "short", cut: false });
    const long = fitText("a".repeat(CHAT_FRAME_TEXT_CHARS + 10));
    expect(long).toMatchObject({ cut: true });
    expect(long.text).toHaveLength(CHAT_FRAME_TEXT_CHARS);
    const wide = fitText("😀".repeat(CHAT_FRAME_TEXT_CHARS));
    expect(wide.cut).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(wide.text))).toBeLessThanOrEqual(CHAT_FRAME_TEXT_BYTES);
    expect(/[\uD800-\uDBFF]$/.test(wide.text)).toBe(false);
    const escaped = fitText("\u0001".repeat(CHAT_FRAME_TEXT_CHARS));
    expect(Buffer.byteLength(JSON.stringify(escaped.text))).toBeLessThanOrEqual(
      CHAT_FRAME_TEXT_BYTES,
    );
  });
});
