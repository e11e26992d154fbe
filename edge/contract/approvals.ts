import * as z from "zod/mini";
import { APPROVAL_DECISIONS, AUTONOMY_LEVELS } from "../protocol/autonomy-levels.ts";

// Approvals and autonomy (issue 18): what an employee may do without asking, and the one inbox
// where the team decides what it asked. The employee's OpenClaw asks; the edge keeps each request
// in D1 (first decision wins) and hands the decision back to OpenClaw.

export { APPROVAL_DECISIONS, AUTONOMY_LEVELS };
export const Autonomy = z.enum(AUTONOMY_LEVELS);
export type Autonomy = z.infer<typeof Autonomy>;
export const ApprovalDecision = z.enum(APPROVAL_DECISIONS);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** pending: waiting for a person; allowed / denied: decided (by a person, or in OpenClaw's own
 * UI); expired: nobody decided in time, so OpenClaw denied it. */
export const APPROVAL_STATUSES = ["pending", "allowed", "denied", "expired"] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** How long a request waits for a decision before OpenClaw denies it. */
export const APPROVAL_TIMEOUT_MS = 10 * 60_000;
/** The app suggests widening an employee's autonomy after this many approvals in a row, none
 * denied or expired. */
export const AUTONOMY_SUGGEST_AFTER = 10;

export const ApprovalView = z.object({
  id: z.string(),
  employeeId: z.string(),
  employeeName: z.string(),
  /** What kind of thing it wants to do: "exec" (a command), or a tool's name. */
  action: z.string(),
  details: z.object({
    command: z.string(),
    cwd: z.nullable(z.string()),
    /** OpenClaw's own warning about the command (e.g. inline code), if any. */
    warning: z.nullable(z.string()),
  }),
  /** The conversation that led to it (null: scheduled work or OpenClaw's own session). */
  conversationId: z.nullable(z.string()),
  conversationTitle: z.nullable(z.string()),
  /** The scheduled task whose run asked, if one did. */
  scheduleId: z.nullable(z.string()),
  status: ApprovalStatus,
  decision: z.nullable(ApprovalDecision),
  /** The reason given with a denial. */
  reason: z.nullable(z.string()),
  /** Who decided (email); null while pending, when it expired, or when decided in OpenClaw. */
  decidedBy: z.nullable(z.string()),
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.nullable(z.string()),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

/** GET /api/approvals: pending ones by default; `all` adds those decided in the last 7 days. */
export const ApprovalsQuery = z.object({
  status: z.optional(z.enum(["pending", "all"])),
  employeeId: z.optional(z.string().check(z.maxLength(64))),
});

/** POST /api/approvals/:id */
export const ApprovalDecide = z.strictObject({
  decision: ApprovalDecision,
  reason: z.optional(z.string().check(z.trim(), z.maxLength(500))),
});
export type ApprovalDecide = z.input<typeof ApprovalDecide>;

/** In the employee view: what the app suggests after a run of approvals without a denial. */
export const AutonomySuggestion = z.object({
  level: Autonomy,
  approvedInARow: z.number(),
});
export type AutonomySuggestion = z.infer<typeof AutonomySuggestion>;
