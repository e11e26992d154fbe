import type { z } from "zod/mini";
import type { ScheduleRow } from "../../db/schema.ts";
import type { ChannelKind } from "../contract/channels.ts";
import {
  MAX_SCHEDULES,
  type NewSchedule,
  type SchedulePatch,
  type ScheduleView,
} from "../contract/schedules.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { getEmployeeChannel } from "../store/channels.ts";
import { employeeBudget } from "../store/employee-budgets.ts";
import {
  deleteSchedule as deleteRow,
  getSchedule,
  insertSchedule,
  listSchedules as listRows,
  type ScheduleChange,
  updateSchedule,
} from "../store/schedules.ts";
import { lastRuns } from "../store/work-entries.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";
import { SETTINGS_CHANGES_PER_USER } from "./rate-limits.ts";
import { checkCron, nextRunAt } from "./schedule-times.ts";

// An employee's scheduled work (issue 18): members see the tasks, admins add, change and remove
// them. Each verb checks the account (404), the role (403), then the input (the cron expression
// as OpenClaw reads it, the server's least interval, a connected channel to deliver to), then
// the rate; after a change the employee's agent is told the whole set again (syncSchedules).

// A channel that was connected (paused and failing ones keep their credentials) takes results.
const DELIVERABLE: readonly string[] = ["connected", "paused", "failing"];

type Create = z.output<typeof NewSchedule>;
type Patch = z.output<typeof SchedulePatch>;

export async function listSchedules(
  deps: Deps,
  actor: Actor,
  employeeId: string,
): Promise<ScheduleView[]> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "work.read");
  const [rows, runs, paused] = await Promise.all([
    listRows(deps.db, employeeId),
    lastRuns(deps.db, employeeId),
    budgetSpent(deps, employeeId),
  ]);
  return rows.map((row) => viewOf(deps, row, paused, runs.get(row.id)));
}

export async function createSchedule(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  input: Create,
): Promise<ScheduleView> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "schedules.manage");
  checkExpression(deps, input.cron, input.timeZone);
  if (input.deliverTo) await checkDeliverable(deps, employeeId, input.deliverTo);
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  const now = deps.now();
  const row: ScheduleRow = {
    id: crypto.randomUUID(),
    accountId: actor.accountId,
    employeeId,
    title: input.title,
    prompt: input.prompt,
    cron: input.cron,
    timeZone: input.timeZone,
    deliverTo: input.deliverTo ?? null,
    enabled: input.enabled ?? true,
    createdBy: actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await insertSchedule(deps.db, row, MAX_SCHEDULES)))
    throw new ApiError(
      409,
      "schedule_limit_reached",
      `An employee can have at most ${MAX_SCHEDULES} scheduled tasks. Remove one first.`,
    );
  await recordAudit(deps, actor, "schedule.create", target(row), detailOf(row));
  await tellEmployee(deps, employeeId);
  return viewOf(deps, row, await budgetSpent(deps, employeeId), undefined);
}

export async function patchSchedule(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  scheduleId: string,
  patch: Patch,
): Promise<ScheduleView> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "schedules.manage");
  const before = await getSchedule(deps.db, employeeId, scheduleId);
  if (!before) throw notFound("scheduled task");
  if (patch.cron !== undefined || patch.timeZone !== undefined)
    checkExpression(deps, patch.cron ?? before.cron, patch.timeZone ?? before.timeZone);
  if (patch.deliverTo) await checkDeliverable(deps, employeeId, patch.deliverTo);
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  const change: ScheduleChange = {};
  if (patch.title !== undefined) change.title = patch.title;
  if (patch.prompt !== undefined) change.prompt = patch.prompt;
  if (patch.cron !== undefined) change.cron = patch.cron;
  if (patch.timeZone !== undefined) change.timeZone = patch.timeZone;
  if (patch.deliverTo !== undefined) change.deliverTo = patch.deliverTo;
  if (patch.enabled !== undefined) change.enabled = patch.enabled;
  const row = await updateSchedule(deps.db, employeeId, scheduleId, change, deps.now());
  if (!row) throw notFound("scheduled task");
  await recordAudit(deps, actor, "schedule.update", target(row), {
    ...detailOf(row),
    changed: Object.keys(change),
  });
  await tellEmployee(deps, employeeId);
  const [runs, paused] = await Promise.all([
    lastRuns(deps.db, employeeId),
    budgetSpent(deps, employeeId),
  ]);
  return viewOf(deps, row, paused, runs.get(row.id));
}

export async function deleteSchedule(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  scheduleId: string,
): Promise<void> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "schedules.manage");
  const row = await getSchedule(deps.db, employeeId, scheduleId);
  if (!row || !(await deleteRow(deps.db, employeeId, scheduleId))) throw notFound("scheduled task");
  await recordAudit(deps, actor, "schedule.delete", target(row), detailOf(row));
  await tellEmployee(deps, employeeId);
}

function checkExpression(deps: Deps, cron: string, timeZone: string): void {
  const check = checkCron(cron, timeZone, deps.config.SCHEDULE_MIN_INTERVAL_SECONDS, deps.now());
  if (!check.ok)
    throw new ApiError(400, "invalid_schedule", check.message, { cron: check.message });
}

async function checkDeliverable(deps: Deps, employeeId: string, kind: ChannelKind): Promise<void> {
  const channel = await getEmployeeChannel(deps.env.DB, employeeId, kind);
  if (!channel || !DELIVERABLE.includes(channel.status)) {
    const message = `Connect ${kind} to this employee first, or choose another channel.`;
    throw new ApiError(400, "invalid_input", message, { deliverTo: message });
  }
}

async function budgetSpent(deps: Deps, employeeId: string): Promise<boolean> {
  const month = new Date(deps.now()).toISOString().slice(0, 7);
  return (await employeeBudget(deps.db, employeeId, month))?.state === "spent";
}

// The change is in D1 already; a sync that does not reach the agent now is sent on its start.
async function tellEmployee(deps: Deps, employeeId: string): Promise<void> {
  try {
    await employeeStub(deps.env, employeeId).syncSchedules();
  } catch (err) {
    deps.log.warn("schedules not told to the employee", { employeeId, ...errorFields(err) });
  }
}

const target = (row: ScheduleRow) => ({ type: "schedule", id: row.id });
const detailOf = (row: ScheduleRow) => ({
  employeeId: row.employeeId,
  title: row.title,
  cron: row.cron,
  timeZone: row.timeZone,
  enabled: row.enabled,
  deliverTo: row.deliverTo,
});

function viewOf(
  deps: Deps,
  row: ScheduleRow,
  paused: boolean,
  last: { at: number; outcome: string } | undefined,
): ScheduleView {
  const next = row.enabled && !paused ? nextRunAt(row.cron, row.timeZone, deps.now()) : null;
  return {
    id: row.id,
    employeeId: row.employeeId,
    title: row.title,
    prompt: row.prompt,
    cron: row.cron,
    timeZone: row.timeZone,
    deliverTo: row.deliverTo,
    enabled: row.enabled,
    nextRunAt: next ? next.toISOString() : null,
    lastRun: last ? { at: new Date(last.at).toISOString(), outcome: last.outcome } : null,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
