import * as z from "zod/mini";

// The work ledger and the weekly report card (issue 18): every piece of an employee's work — a
// conversation turn, a scheduled run, a heartbeat turn — with its time, tokens, cost, outcome and
// the approvals it needed; and per ISO week the sums, with the hours it saved.

/** chat: a turn in the web chat; channel: a turn from Telegram, Slack, WhatsApp or email;
 * schedule: a scheduled task's run; heartbeat: OpenClaw's own periodic turn. */
export const WORK_KINDS = ["chat", "channel", "schedule", "heartbeat"] as const;
export const WorkKind = z.enum(WORK_KINDS);
export type WorkKind = z.infer<typeof WorkKind>;

/** done: answered; failed: an error ended it; aborted: a person stopped it; denied: a person
 * denied what it asked and it ended there; skipped: it did not run (budget spent, outside hours). */
export const WORK_OUTCOMES = ["done", "failed", "aborted", "denied", "skipped"] as const;
export const WorkOutcome = z.enum(WORK_OUTCOMES);
export type WorkOutcome = z.infer<typeof WorkOutcome>;

export const WorkEntryView = z.object({
  id: z.string(),
  employeeId: z.string(),
  kind: WorkKind,
  /** In a few words: the conversation's title, the task's title. */
  title: z.string(),
  conversationId: z.nullable(z.string()),
  scheduleId: z.nullable(z.string()),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  /** Euro cents, fractional (the gateway meters in micro-euros). */
  costCents: z.number(),
  outcome: WorkOutcome,
  /** Approvals it asked for, and how many of them were denied or expired. */
  approvals: z.number(),
  approvalsDenied: z.number(),
});
export type WorkEntryView = z.infer<typeof WorkEntryView>;

/** GET /api/employees/:id/ledger: newest first; `before` pages back (the startedAt of the last
 * entry shown); `format=csv` answers the filtered entries as a CSV download. */
export const LedgerQuery = z.object({
  kind: z.optional(WorkKind),
  outcome: z.optional(WorkOutcome),
  scheduleId: z.optional(z.string().check(z.maxLength(64))),
  from: z.optional(z.iso.datetime()),
  to: z.optional(z.iso.datetime()),
  before: z.optional(z.iso.datetime()),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(500))),
  format: z.optional(z.enum(["json", "csv"])),
});

/** An ISO week, e.g. 2026-W49. */
export const IsoWeek = z
  .string()
  .check(z.regex(/^\d{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$/, "A week like 2026-W49."));
/** GET …/report?week=: the week (the current one when absent), in the account's time zone. */
export const ReportQuery = z.object({ week: z.optional(IsoWeek) });

/** Minutes of a person's work one piece of work saves, per kind (the owner sets them per
 * employee; defaults per role). */
export const MinutesSaved = z.object({
  chat: z.number().check(z.int(), z.minimum(0), z.maximum(480)),
  channel: z.number().check(z.int(), z.minimum(0), z.maximum(480)),
  schedule: z.number().check(z.int(), z.minimum(0), z.maximum(480)),
  heartbeat: z.number().check(z.int(), z.minimum(0), z.maximum(480)),
});
export type MinutesSaved = z.infer<typeof MinutesSaved>;

export const ReportFigures = z.object({
  /** Pieces of work by kind, and by outcome. */
  work: z.record(WorkKind, z.number()),
  outcomes: z.record(WorkOutcome, z.number()),
  promptTokens: z.number(),
  completionTokens: z.number(),
  costCents: z.number(),
  approvalsRequested: z.number(),
  approvalsAllowed: z.number(),
  approvalsDenied: z.number(),
  /** Σ done pieces × minutes saved for their kind. */
  minutesSaved: z.number(),
});
export type ReportFigures = z.infer<typeof ReportFigures>;

export const EmployeeReport = z.extend(ReportFigures, {
  employeeId: z.string(),
  name: z.string(),
  role: z.string(),
  minutesPerTask: MinutesSaved,
});
export type EmployeeReport = z.infer<typeof EmployeeReport>;

export const ReportCard = z.object({
  week: z.string(),
  /** The week's bounds (Monday 00:00 to the next Monday 00:00 in `timeZone`). */
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  totals: ReportFigures,
  employees: z.array(EmployeeReport),
});
export type ReportCard = z.infer<typeof ReportCard>;

/** Per employee besides the account's: this month's spend against its own budget. */
export const BUDGET_WARNING_PERCENT = 80;
export const EmployeeBudget = z.object({
  /** null: only the account's budget applies. */
  limitCents: z.nullable(z.number()),
  spentCents: z.number(),
  /** ok; warning: at or past 80 %; spent: at or past 100 % (it stops until raised or next month). */
  state: z.enum(["ok", "warning", "spent"]),
});
export type EmployeeBudget = z.infer<typeof EmployeeBudget>;
