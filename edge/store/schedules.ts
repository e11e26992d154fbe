import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type ScheduleRow, schedules } from "../../db/schema.ts";

// An employee's recurring tasks (issue 18) as D1 rows: the truth the agent's OpenClaw automations
// are kept in step with (objects/schedule-sync.ts). Plain reads and writes; the checks are the
// service's (services/schedules.ts).

export type ScheduleChange = Partial<
  Pick<ScheduleRow, "title" | "prompt" | "cron" | "timeZone" | "deliverTo" | "enabled">
>;

/** The employee's tasks, oldest first. */
export async function listSchedules(db: Db, employeeId: string): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(eq(schedules.employeeId, employeeId))
    .orderBy(asc(schedules.createdAt), asc(schedules.id))
    .all();
}

export async function getSchedule(
  db: Db,
  employeeId: string,
  id: string,
): Promise<ScheduleRow | undefined> {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.id, id), eq(schedules.employeeId, employeeId)))
    .get();
}

/**
 * Adds the task unless the employee already has `max`: one statement, so two requests racing
 * for the last place cannot both take it. False when it was full.
 */
export async function insertSchedule(db: Db, row: ScheduleRow, max: number): Promise<boolean> {
  const result = await db.run(sql`
    INSERT INTO schedules (id, account_id, employee_id, title, prompt, cron, time_zone,
      deliver_to, enabled, created_by, created_at, updated_at)
    SELECT ${row.id}, ${row.accountId}, ${row.employeeId}, ${row.title}, ${row.prompt},
      ${row.cron}, ${row.timeZone}, ${row.deliverTo}, ${row.enabled ? 1 : 0}, ${row.createdBy},
      ${row.createdAt}, ${row.updatedAt}
    WHERE (SELECT count(*) FROM schedules WHERE employee_id = ${row.employeeId}) < ${max}`);
  return (result.meta.changes ?? 0) > 0;
}

export async function updateSchedule(
  db: Db,
  employeeId: string,
  id: string,
  change: ScheduleChange,
  now: number,
): Promise<ScheduleRow | undefined> {
  return db
    .update(schedules)
    .set({ ...change, updatedAt: now })
    .where(and(eq(schedules.id, id), eq(schedules.employeeId, employeeId)))
    .returning()
    .get();
}

/** True when it was there. */
export async function deleteSchedule(db: Db, employeeId: string, id: string): Promise<boolean> {
  const result = await db
    .delete(schedules)
    .where(and(eq(schedules.id, id), eq(schedules.employeeId, employeeId)))
    .run();
  return (result.meta.changes ?? 0) > 0;
}
