import type { Employee } from "../../edge/contract/employee.ts";
import type {
  EmployeeReport,
  ReportCard,
  ReportFigures,
  WorkEntryView,
} from "../../edge/contract/ledger.ts";
import type { ScheduleView } from "../../edge/contract/schedules.ts";
import { employee } from "./chat-fixtures.ts";

// What the Schedule and Work tabs' and the report card's tests share, in the API's shape.

export const worker = (over: Partial<Employee> = {}): Employee => ({ ...employee, ...over });

export const schedule = (over: Partial<ScheduleView> = {}): ScheduleView => ({
  id: "s1",
  employeeId: "e1",
  title: "Morning digest",
  prompt: "Summarise yesterday's support tickets.",
  cron: "0 9 * * 1-5",
  timeZone: "Europe/Berlin",
  deliverTo: null,
  enabled: true,
  nextRunAt: "2026-12-04T08:00:00.000Z",
  lastRun: { at: "2026-12-03T08:00:00.000Z", outcome: "done" },
  createdAt: "2026-12-01T10:00:00.000Z",
  ...over,
});

export const entry = (n: number, over: Partial<WorkEntryView> = {}): WorkEntryView => ({
  id: `w${n}`,
  employeeId: "e1",
  kind: "chat",
  title: `Piece ${n}`,
  conversationId: "c1",
  scheduleId: null,
  startedAt: new Date(Date.UTC(2026, 11, 3, 12, 0, 0) - n * 60_000).toISOString(),
  endedAt: new Date(Date.UTC(2026, 11, 3, 12, 0, 5) - n * 60_000).toISOString(),
  durationMs: 5000,
  promptTokens: 1200,
  completionTokens: 300,
  costCents: 2.5,
  outcome: "done",
  approvals: 0,
  approvalsDenied: 0,
  ...over,
});

export const figures = (over: Partial<ReportFigures> = {}): ReportFigures => ({
  work: { chat: 0, channel: 0, schedule: 0, heartbeat: 0 },
  outcomes: { done: 0, failed: 0, aborted: 0, denied: 0, skipped: 0 },
  promptTokens: 0,
  completionTokens: 0,
  costCents: 0,
  approvalsRequested: 0,
  approvalsAllowed: 0,
  approvalsDenied: 0,
  minutesSaved: 0,
  ...over,
});

export const employeeReport = (over: Partial<EmployeeReport> = {}): EmployeeReport => ({
  ...figures(),
  employeeId: "e1",
  name: "Ada",
  role: "researcher",
  minutesPerTask: { chat: 5, channel: 5, schedule: 15, heartbeat: 2 },
  ...over,
});

export const reportCard = (over: Partial<ReportCard> = {}): ReportCard => ({
  week: "2026-W49",
  from: "2026-11-30T00:00:00.000Z",
  to: "2026-12-07T00:00:00.000Z",
  timeZone: "UTC",
  totals: figures(),
  employees: [],
  ...over,
});
