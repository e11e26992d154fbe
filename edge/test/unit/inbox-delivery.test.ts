import { describe, expect, it } from "vitest";
import { MAX_ANSWER_CHARS } from "../../contract/chat.ts";
import {
  CHAT_PROGRESS_MIN_INTERVAL_MS,
  CHAT_RUN_DEADLINE_MS,
  handedOver,
  nextReply,
  progressed,
  readinessOf,
  requeued,
  sessionKey,
  taken,
  timedOut,
  titleFrom,
} from "../../objects/inbox/inbox-delivery.ts";
import type { MessageRow } from "../../objects/inbox/inbox-store.ts";

// The inbox's rules as plain functions with a clock (objects/inbox/inbox-delivery.ts).

const T = 1_800_000_000_000;
const row = (over: Partial<MessageRow> = {}): MessageRow => ({
  id: "r1",
  conversation_id: "c1",
  role: "employee",
  author: null,
  text: "",
  truncated: 0,
  status: "queued",
  error_code: null,
  error_message: null,
  tools: "[]",
  reply_to: "p1",
  deadline_at: null,
  progress_at: null,
  created_at: T,
  completed_at: null,
  ...over,
});
const event = (over: Record<string, unknown> = {}) => ({
  type: "chat.progress" as const,
  employeeId: "e",
  containerId: null,
  runId: "r1",
  state: "streaming" as const,
  text: "Hi",
  truncated: false,
  tools: [],
  ...over,
});

describe("inbox delivery rules", () => {
  it("hands over one reply per conversation, the oldest waiting one", () => {
    const person = row({ id: "p1", role: "person", reply_to: null });
    const a = row({ id: "a" });
    const b = row({ id: "b" });
    expect(nextReply([person, a, b])?.id).toBe("a");
    expect(nextReply([person, { ...a, status: "streaming" }, b])).toBeUndefined();
    expect(nextReply([person])).toBeUndefined();
  });

  it("gives a run its deadline when it is handed over, taken and heard from", () => {
    const out = handedOver(row(), T);
    expect(out).toMatchObject({ status: "sending", deadline_at: T + CHAT_RUN_DEADLINE_MS });
    expect(taken(out, T + 5)).toMatchObject({
      status: "streaming",
      deadline_at: T + 5 + CHAT_RUN_DEADLINE_MS,
    });
    expect(timedOut(out, T + CHAT_RUN_DEADLINE_MS)).toMatchObject({
      status: "failed",
      error_code: "timed_out",
      deadline_at: null,
    });
    expect(requeued({ ...out, text: "half", tools: "[1]" })).toMatchObject({
      status: "queued",
      text: "",
      tools: "[]",
      deadline_at: null,
    });
  });

  it("applies progress only to a run in flight, throttled, capped, with known error codes", () => {
    const live = row({ status: "streaming" });
    expect(progressed(row({ status: "done" }), event(), T)).toBeNull();
    const first = progressed(live, event(), T);
    expect(first).toMatchObject({ status: "streaming", text: "Hi", progress_at: T });
    if (!first) throw new Error("no progress");
    expect(
      progressed(first, event({ text: "Hi t" }), T + CHAT_PROGRESS_MIN_INTERVAL_MS - 1),
    ).toBeNull();
    expect(progressed(first, event({ state: "final", text: "Hi there" }), T + 1)).toMatchObject({
      status: "done",
      text: "Hi there",
      completed_at: T + 1,
    });
    const long = progressed(live, event({ text: "x".repeat(MAX_ANSWER_CHARS + 10) }), T);
    expect(long?.text.length).toBe(MAX_ANSWER_CHARS);
    expect(long?.truncated).toBe(1);
    const failed = progressed(
      live,
      event({ state: "error", error: { code: "evil", message: "m" } }),
      T,
    );
    expect(failed).toMatchObject({
      status: "failed",
      error_code: "model_error",
      error_message: "m",
    });
    const budget = progressed(
      live,
      event({ state: "error", error: { code: "budget_exceeded", message: "spent" } }),
      T,
    );
    expect(budget?.error_code).toBe("budget_exceeded");
  });

  it("names sessions and titles", () => {
    expect(sessionKey("web", "c1")).toBe("agent:main:web:c1");
    expect(titleFrom("  Please   summarise\nthe week  ", "New")).toBe("Please summarise the week");
    expect(titleFrom("   ", "New")).toBe("New");
    expect(titleFrom("a".repeat(200), "New")).toHaveLength(80);
  });

  it("says what to fix first: the model, the budget, then the status", () => {
    const fine = { modelConnected: true, budgetSpent: false };
    expect(readinessOf("running", fine)).toBe("ready");
    expect(readinessOf("restarting", fine)).toBe("starting");
    expect(readinessOf("stopped", fine)).toBe("asleep");
    expect(readinessOf("error", fine)).toBe("unavailable");
    expect(readinessOf("running", { modelConnected: false, budgetSpent: true })).toBe("no_model");
    expect(readinessOf("stopped", { modelConnected: true, budgetSpent: true })).toBe(
      "budget_spent",
    );
  });
});
