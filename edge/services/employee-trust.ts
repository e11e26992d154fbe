import { and, eq } from "drizzle-orm";
import type { z } from "zod/mini";
import { employees } from "../../db/schema.ts";
import {
  AUTONOMY_LEVELS,
  AUTONOMY_SUGGEST_AFTER,
  type Autonomy,
  type AutonomySuggestion,
} from "../contract/approvals.ts";
import type { Employee } from "../contract/employee.ts";
import type { UpdateRequest } from "../contract/employee-input.ts";
import { errorFields } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { recentOutcomes } from "../store/approvals.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

type Row = typeof employees.$inferSelect;
type Patch = z.output<typeof UpdateRequest>;

// An employee's trust settings (issue 18), part of PATCH /api/employees/:id: how much it may do
// without asking (autonomy: the agent renders it into OpenClaw's exec policy through
// employee.configure), its working hours (its heartbeat's active hours: schedules.sync) and the
// minutes a piece of its work saves (the report card's). Kept in D1, the employee's settings
// the object does not own; the view adds them, with the suggestion to widen its autonomy.

export type TrustPatch = Pick<Patch, "autonomy" | "workingHours" | "minutesSaved">;

export function trustPatchOf(patch: Patch): TrustPatch | null {
  const trust: TrustPatch = {};
  if (patch.autonomy !== undefined) trust.autonomy = patch.autonomy;
  if (patch.workingHours !== undefined) trust.workingHours = patch.workingHours;
  if (patch.minutesSaved !== undefined) trust.minutesSaved = patch.minutesSaved;
  return Object.keys(trust).length ? trust : null;
}

/** Beyond employees.manage: the minutes saved are the owner's figures (budgets.manage). */
export function requireTrustRights(actor: Actor, trust: TrustPatch | null): void {
  if (!trust) return;
  if (trust.autonomy !== undefined || trust.workingHours !== undefined)
    requireRight(actor, "schedules.manage");
  if (trust.minutesSaved !== undefined) requireRight(actor, "budgets.manage");
}

/** Stores the change, records it, and tells the employee what it changes for it. */
export async function applyTrust(
  deps: Deps,
  actor: Actor,
  row: Row,
  trust: TrustPatch,
): Promise<void> {
  await deps.db
    .update(employees)
    .set({ ...trust, updatedAt: deps.now() })
    .where(and(eq(employees.id, row.id), eq(employees.accountId, row.accountId)));
  const target = { type: "employee", id: row.id };
  if (trust.autonomy !== undefined && trust.autonomy !== row.autonomy) {
    await recordAudit(deps, actor, "employee.autonomy", target, {
      from: row.autonomy,
      to: trust.autonomy,
    });
    await tell(deps, row.id, "autonomy", (stub) => stub.update({}));
  }
  if (trust.workingHours !== undefined || trust.minutesSaved !== undefined)
    await recordAudit(deps, actor, "employee.update", target, {
      ...(trust.workingHours !== undefined ? { workingHours: trust.workingHours } : {}),
      ...(trust.minutesSaved !== undefined ? { minutesSaved: trust.minutesSaved } : {}),
    });
  if (trust.workingHours !== undefined) {
    // Working hours are the heartbeat's active hours: the whole schedule goes to the agent again
    // (one not running gets it at its next start).
    await tell(deps, row.id, "working hours", (stub) => stub.syncSchedules());
  }
}

// The employee's object re-renders its workspace (an empty update sends employee.configure with
// the spec, which reads the autonomy from D1); one that never started reads it when it does.
async function tell(
  deps: Deps,
  employeeId: string,
  what: string,
  call: (stub: ReturnType<typeof employeeStub>) => Promise<unknown>,
): Promise<void> {
  try {
    await call(employeeStub(deps.env, employeeId));
  } catch (err) {
    deps.log.warn("the employee was not told of its new settings", {
      employeeId,
      what,
      ...errorFields(err),
    });
  }
}

/** The trust settings as the views show them, from the row alone (lists). */
export function trustFieldsOf(
  row: Row,
): Pick<Employee, "autonomy" | "workingHours" | "minutesSaved"> {
  return {
    autonomy: row.autonomy,
    workingHours: row.workingHours ?? null,
    ...(row.minutesSaved ? { minutesSaved: row.minutesSaved } : {}),
  };
}

/** The next level up, once the last AUTONOMY_SUGGEST_AFTER decided approvals were all allowed. */
export async function autonomySuggestion(
  deps: Deps,
  row: Pick<Row, "id" | "autonomy">,
): Promise<AutonomySuggestion | null> {
  const next = nextLevel(row.autonomy);
  if (!next) return null;
  const outcomes = await recentOutcomes(deps.env.DB, row.id, AUTONOMY_SUGGEST_AFTER);
  if (outcomes.length < AUTONOMY_SUGGEST_AFTER || outcomes.some((s) => s !== "allowed"))
    return null;
  return { level: next, approvedInARow: outcomes.length };
}

const nextLevel = (level: Autonomy): Autonomy | null =>
  level === "autonomous" ? null : (AUTONOMY_LEVELS[AUTONOMY_LEVELS.indexOf(level) + 1] ?? null);

/** The one employee's view with its trust settings and the suggestion. */
export async function withTrust(deps: Deps, view: Employee, row: Row): Promise<Employee> {
  return {
    ...view,
    ...trustFieldsOf(row),
    autonomySuggestion: await autonomySuggestion(deps, row),
  };
}
