import type { AgentEvent } from "../../edge/protocol/frames.ts";

type Requested = Extract<AgentEvent, { type: "approval.requested" }>;
type Resolved = Extract<AgentEvent, { type: "approval.resolved" }>;

// A shorter wait for a person than OpenClaw's own (issue 18). OpenClaw lets an exec approval wait
// 30 minutes and no setting changes that (/work/research/trust-openclaw.md §1), so with
// APPROVAL_TIMEOUT_MS set the agent denies a request nobody decided in time itself, through the
// same exec.approval.resolve a person's decision takes, and tells the edge it expired. The edge is
// told the shorter deadline with the request. Unset (production): OpenClaw's 30 minutes stand.

/** Requests remembered as expired by the agent, per relay. */
const REMEMBERED = 500;

export interface ApprovalExpiryOptions {
  /** How long a request waits; undefined: OpenClaw's own deadline. */
  timeoutMs: number | undefined;
  /** Denies it in OpenClaw (exec.approval.resolve … deny); may throw when it is gone. */
  deny: (employeeId: string, approvalId: string) => Promise<void>;
  /** Where the settlement goes (the hub connection). */
  send: (frame: Resolved) => void;
  now: () => number;
}

const keyOf = (employeeId: string, approvalId: string) => `${employeeId}\n${approvalId}`;

export class ApprovalExpiry {
  private readonly opts: ApprovalExpiryOptions;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly expired = new Set<string>();

  constructor(opts: ApprovalExpiryOptions) {
    this.opts = opts;
  }

  /** The request as the edge is told it (the shorter deadline); its timer armed once. */
  arm(frame: Requested): Requested {
    const { timeoutMs } = this.opts;
    if (!timeoutMs) return frame;
    const expiresAt = Math.min(frame.expiresAt, frame.requestedAt + timeoutMs);
    const key = keyOf(frame.employeeId, frame.approvalId);
    if (!this.timers.has(key) && !this.expired.has(key)) {
      const timer = setTimeout(
        () => void this.expire(frame.employeeId, frame.approvalId),
        Math.max(0, expiresAt - this.opts.now()),
      );
      timer.unref?.();
      this.timers.set(key, timer);
    }
    return { ...frame, expiresAt };
  }

  /** OpenClaw settled it: its timer goes; our own denial reads as expired. */
  settled(frame: Resolved): Resolved {
    const key = keyOf(frame.employeeId, frame.approvalId);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    return this.expired.has(key) ? { ...frame, decision: "deny", expired: true } : frame;
  }

  /** The employee stopped or went: its requests went with OpenClaw's process. */
  forget(employeeId: string): void {
    for (const [key, timer] of this.timers)
      if (key.startsWith(`${employeeId}\n`)) {
        clearTimeout(timer);
        this.timers.delete(key);
      }
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async expire(employeeId: string, approvalId: string): Promise<void> {
    const key = keyOf(employeeId, approvalId);
    this.timers.delete(key);
    this.expired.add(key);
    if (this.expired.size > REMEMBERED)
      this.expired.delete(this.expired.values().next().value as string);
    try {
      await this.opts.deny(employeeId, approvalId);
    } catch {
      // Decided or gone meanwhile: what OpenClaw says of it (its resolved event) stands.
      return;
    }
    // OpenClaw's resolved event says the same (and is read as expired above); the edge keeps
    // the first settlement of a pending request.
    this.opts.send({
      type: "approval.resolved",
      employeeId,
      containerId: null,
      approvalId,
      decision: "deny",
      expired: true,
    });
  }
}
