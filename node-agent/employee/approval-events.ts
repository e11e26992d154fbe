import { z } from "zod";
import type { AgentEvent, APPROVAL_DECISIONS } from "../../edge/protocol/frames.ts";

type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

// OpenClaw's approval events and lists as the agent reads them (issue 18), and the frames they
// become for the edge. Pure. OpenClaw's shapes (2026.9.6, /work/research/trust-openclaw.md §2):
// exec.approval.requested / plugin.approval.requested {id, request, createdAtMs, expiresAtMs},
// exec.approval.resolved / plugin.approval.resolved {id, decision, resolvedBy, ts, request};
// exec.approval.list → the same records as `requested`. Hostile input: loose about what is not
// used, every kept text cut to the frame's limits, and a payload that does not fit is dropped.

export type ApprovalKind = "exec" | "plugin";
type Requested = Extract<AgentEvent, { type: "approval.requested" }>;
type Resolved = Extract<AgentEvent, { type: "approval.resolved" }>;

const ID = /^[!-~]{1,200}$/;
const SESSION_KEY = /^[!-~]{1,200}$/;
const ACTION_CHARS = 64;
const COMMAND_CHARS = 4000;
const CWD_CHARS = 500;
const WARNING_CHARS = 1000;
// OpenClaw's own expiry (30 minutes); used when a record says none.
export const OPENCLAW_APPROVAL_TIMEOUT_MS = 30 * 60_000;

const Text = z.string().max(100_000);
const Ms = z.number().int().min(0).max(8.64e15);

const ExecRequest = z.looseObject({
  command: Text.optional(),
  commandArgv: z.array(z.string().max(10_000)).max(1_000).optional(),
  cwd: Text.nullable().optional(),
  warningText: Text.nullable().optional(),
  sessionKey: Text.nullable().optional(),
});
const PluginRequest = z.looseObject({
  title: Text.optional(),
  description: Text.optional(),
  toolName: Text.nullable().optional(),
  pluginId: Text.nullable().optional(),
  severity: Text.nullable().optional(),
  sessionKey: Text.nullable().optional(),
});
const PendingRecord = z.looseObject({
  id: z.string().regex(ID),
  request: z.unknown(),
  createdAtMs: Ms.optional(),
  expiresAtMs: Ms.optional(),
});
const ResolvedEvent = z.looseObject({
  id: z.string().regex(ID),
  decision: z.enum(["allow-once", "allow-always", "deny"]),
  resolvedBy: z.unknown().optional(),
});
// exec.approval.list answers an array (some versions wrap it in {approvals}); capped.
const MAX_LISTED = 200;
const ListAnswer = z.union([
  z.array(z.unknown()).max(10_000),
  z.looseObject({ approvals: z.array(z.unknown()).max(10_000) }),
]);

const cut = (s: string | null | undefined, max: number): string | null =>
  typeof s === "string" && s.length > 0 ? s.slice(0, max) : null;
// What a shell shows: argv joined when OpenClaw gave no command text.
const shellJoin = (argv: readonly string[]) =>
  argv.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");

/** The frame for a pending approval (an event or a listed record), or null when it does not
 * read as one. `now` stands in for a missing creation time. */
export function requestedFrame(
  kind: ApprovalKind,
  payload: unknown,
  ids: { employeeId: string; containerId: string | null },
  now: number,
): Requested | null {
  const rec = PendingRecord.safeParse(payload);
  if (!rec.success) return null;
  const requestedAt = rec.data.createdAtMs ?? now;
  const expiresAt = rec.data.expiresAtMs ?? requestedAt + OPENCLAW_APPROVAL_TIMEOUT_MS;
  let action: string;
  let details: Requested["details"];
  let sessionKey: string | null;
  if (kind === "exec") {
    const req = ExecRequest.safeParse(rec.data.request ?? {});
    if (!req.success) return null;
    const command = req.data.command ?? shellJoin(req.data.commandArgv ?? []);
    action = "exec";
    details = {
      command: command.slice(0, COMMAND_CHARS),
      cwd: cut(req.data.cwd, CWD_CHARS),
      warning: cut(req.data.warningText, WARNING_CHARS),
    };
    sessionKey = req.data.sessionKey ?? null;
  } else {
    const req = PluginRequest.safeParse(rec.data.request ?? {});
    if (!req.success) return null;
    // The action is the tool (or plugin) asking; its title and description stand as the command.
    action = (req.data.toolName || req.data.pluginId || "plugin").slice(0, ACTION_CHARS);
    const what = [req.data.title, req.data.description].filter(Boolean).join(": ");
    details = {
      command: what.slice(0, COMMAND_CHARS),
      cwd: null,
      warning:
        req.data.severity === "critical" || req.data.severity === "warning"
          ? req.data.severity
          : null,
    };
    sessionKey = req.data.sessionKey ?? null;
  }
  return {
    type: "approval.requested",
    employeeId: ids.employeeId,
    containerId: ids.containerId,
    approvalId: rec.data.id,
    action,
    details,
    sessionKey: sessionKey && SESSION_KEY.test(sessionKey) ? sessionKey : null,
    requestedAt,
    expiresAt: Math.max(expiresAt, requestedAt),
  };
}

/** The frame for a settled approval. OpenClaw 2026.9.6 sends no event when one expires (the
 * record leaves the pending list and its fallback denies); a resolver it names as a timeout or
 * expiry is reported `expired`. */
export function resolvedFrame(
  payload: unknown,
  ids: { employeeId: string; containerId: string | null },
): Resolved | null {
  const e = ResolvedEvent.safeParse(payload);
  if (!e.success) return null;
  const by = typeof e.data.resolvedBy === "string" ? e.data.resolvedBy : "";
  return {
    type: "approval.resolved",
    employeeId: ids.employeeId,
    containerId: ids.containerId,
    approvalId: e.data.id,
    decision: e.data.decision,
    expired: e.data.decision === "deny" && /timeout|expire/i.test(by),
  };
}

/** The records of an exec.approval.list / plugin.approval.list answer (at most MAX_LISTED). */
export function listedRecords(answer: unknown): unknown[] {
  const parsed = ListAnswer.safeParse(answer);
  if (!parsed.success) return [];
  const all = Array.isArray(parsed.data) ? parsed.data : parsed.data.approvals;
  return all.slice(0, MAX_LISTED);
}

/** The params of exec.approval.resolve / plugin.approval.resolve. */
export function resolveParams(
  approvalId: string,
  decision: ApprovalDecision,
): { id: string; decision: ApprovalDecision } {
  return { id: approvalId, decision };
}

/** Which kind an event name is about, or null when it is no approval event. */
export function approvalEventKind(
  name: string,
): { kind: ApprovalKind; phase: "requested" | "resolved" } | null {
  const m = /^(exec|plugin)\.approval\.(requested|resolved)$/.exec(name);
  return m ? { kind: m[1] as ApprovalKind, phase: m[2] as "requested" | "resolved" } : null;
}
