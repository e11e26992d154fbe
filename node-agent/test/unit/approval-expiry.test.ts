// APPROVAL_TIMEOUT_MS (approval-expiry.ts): the agent denies a request nobody decided in time,
// tells the edge it expired, and leaves decided ones alone. Fake timers; frames through the
// edge's own parser.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type AgentEvent, parseAgentFrame } from "../../../edge/protocol/frames.ts";
import { ApprovalExpiry } from "../../employee/approval-expiry.ts";

type Requested = Extract<AgentEvent, { type: "approval.requested" }>;
const T0 = 1_800_000_000_000;
const request = (approvalId: string, expiresAt = T0 + 30 * 60_000): Requested => ({
  type: "approval.requested",
  employeeId: "e1",
  containerId: null,
  approvalId,
  action: "exec",
  details: { command: "echo hi", cwd: null, warning: null },
  sessionKey: null,
  requestedAt: T0,
  expiresAt,
});
const resolved = (approvalId: string, decision: "allow-once" | "deny") => ({
  type: "approval.resolved" as const,
  employeeId: "e1",
  containerId: null,
  approvalId,
  decision,
  expired: false,
});

describe("the agent's own approval timeout", () => {
  let denied: string[];
  let sent: AgentEvent[];
  const make = (
    timeoutMs: number | undefined,
    deny = async (_e: string, id: string) => {
      denied.push(id);
    },
  ) => new ApprovalExpiry({ timeoutMs, deny, send: (f) => sent.push(f), now: () => Date.now() });

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    denied = [];
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  it("unset: OpenClaw's deadline is told as is and nothing is denied", async () => {
    const expiry = make(undefined);
    expect(expiry.arm(request("a1")).expiresAt).toBe(T0 + 30 * 60_000);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(denied).toEqual([]);
  });

  it("denies it at the shorter deadline, once, and says it expired", async () => {
    const expiry = make(25_000);
    const frame = expiry.arm(request("a1"));
    expect(frame.expiresAt).toBe(T0 + 25_000);
    expect(parseAgentFrame(JSON.stringify(frame)).ok).toBe(true);
    // Sent again after a reconnect: one timer all the same.
    expiry.arm(request("a1"));
    await vi.advanceTimersByTimeAsync(24_999);
    expect(denied).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(denied).toEqual(["a1"]);
    expect(sent).toEqual([
      expect.objectContaining({ approvalId: "a1", decision: "deny", expired: true }),
    ]);
    expect(parseAgentFrame(JSON.stringify(sent[0])).ok).toBe(true);
    // OpenClaw's own resolved event for our denial reads as expired too.
    expect(expiry.settled(resolved("a1", "deny")).expired).toBe(true);
    // …and a request seen again after it expired is not armed again.
    expiry.arm(request("a1"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(denied).toEqual(["a1"]);
  });

  it("leaves a request a person decided in time alone", async () => {
    const expiry = make(25_000);
    expiry.arm(request("a1"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(expiry.settled(resolved("a1", "allow-once"))).toMatchObject({
      decision: "allow-once",
      expired: false,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(denied).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("keeps OpenClaw's earlier deadline, and sends nothing when the denial finds it gone", async () => {
    const expiry = make(25_000, async () => {
      throw new Error("approval_not_found");
    });
    expect(expiry.arm(request("a2", T0 + 5_000)).expiresAt).toBe(T0 + 5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([]);
  });

  it("forgets a stopped employee's requests", async () => {
    const expiry = make(25_000);
    expiry.arm(request("a1"));
    expiry.forget("e1");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(denied).toEqual([]);
  });
});
