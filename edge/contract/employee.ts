import * as z from "zod/mini";
import { Autonomy, AutonomySuggestion } from "./approvals.ts";
import { Launch } from "./launch.ts";
import { EmployeeBudget, MinutesSaved } from "./ledger.ts";
import { WorkingHoursInput } from "./schedules.ts";
import { StepId } from "./steps.ts";

export const EMPLOYEE_STATUSES = [
  "none",
  "provisioning",
  "running",
  "stopping",
  "stopped",
  "unhealthy",
  "restarting",
  "error",
  "removing",
  // Its state is being put back from a backup: in place, or on another server after its own was
  // lost or drained (issue 16). `step` says which part.
  "restoring",
] as const;
export const EmployeeStatus = z.enum(EMPLOYEE_STATUSES);
export type EmployeeStatus = z.infer<typeof EmployeeStatus>;

// The API's employee object (GET /api/employees/:id, the live socket's status frames). `step` is
// the id of the step in progress (steps.ts) while provisioning, restarting, stopping or removing;
// `launch` the launch's checklist (launch.ts) while provisioning and after a launch that failed
// (GET /api/employees/:id and the live frames; the list leaves it out).
export const Employee = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  tone: z.string(),
  skills: z.array(z.string()),
  status: EmployeeStatus,
  statusReason: z.nullable(z.string()),
  step: z.nullable(StepId),
  node: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  launch: z.optional(Launch),
  // When the employee was last put back from a backup (ISO time of that backup), until it is
  // next restarted by a person: the app says "restored from <time>" (issue 16).
  restoredFrom: z.optional(z.nullable(z.string())),
  // Issue 18: how much it may do without asking, what the app suggests after a run of approvals
  // without a denial (null: nothing), its own AI budget this month, its working hours (null:
  // none, no heartbeat) and the minutes a piece of its work saves, by kind.
  autonomy: z.optional(Autonomy),
  autonomySuggestion: z.optional(z.nullable(AutonomySuggestion)),
  budget: z.optional(EmployeeBudget),
  workingHours: z.optional(z.nullable(WorkingHoursInput)),
  minutesSaved: z.optional(MinutesSaved),
});
export type Employee = z.infer<typeof Employee>;

export const UsageTotals = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  costCents: z.number(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/** An employee as the list shows it: with this month's AI usage. */
export const ListedEmployee = z.extend(Employee, { usageThisMonth: UsageTotals });
export type ListedEmployee = z.infer<typeof ListedEmployee>;

// What a person can ask of an employee, and the statuses each is accepted in. The lifecycle
// refuses anything else (409 invalid_state) and the app shows a button only where it is allowed.
// A restart asked of an employee that is not running starts it, as a provision would.
export const EMPLOYEE_ACTIONS = ["provision", "restart", "stop"] as const;
export type EmployeeAction = (typeof EMPLOYEE_ACTIONS)[number];

export const ALLOWED_FROM: Record<EmployeeAction, readonly EmployeeStatus[]> = {
  provision: ["none", "error", "stopped"],
  restart: ["running", "unhealthy"],
  stop: ["running", "unhealthy", "restarting", "provisioning"],
};

// Backups (issue 16): one is taken of an employee's disk running or stopped; a restore replaces
// the state of an employee that is not in the middle of something else.
export const BACKUP_ALLOWED_FROM: readonly EmployeeStatus[] = ["running", "unhealthy", "stopped"];
export const RESTORE_ALLOWED_FROM: readonly EmployeeStatus[] = [
  "running",
  "unhealthy",
  "stopped",
  "error",
];

export const allows = (status: EmployeeStatus, action: EmployeeAction): boolean =>
  ALLOWED_FROM[action].includes(status);

/** Something is under way: the employee moves on by itself (the app shows a spinner). */
export const IN_PROGRESS_STATUSES: readonly EmployeeStatus[] = [
  "provisioning",
  "stopping",
  "restarting",
  "removing",
  "unhealthy",
  "restoring",
];

/** POST /api/employees/:id/access: short-lived URLs of the chat and browser views. */
export const AccessUrls = z.object({
  chatUrl: z.string(),
  browserUrl: z.string(),
  expiresAt: z.string(),
});
export type AccessUrls = z.infer<typeof AccessUrls>;
