import { and, asc, eq, isNull } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { employees, memberships, users } from "../../db/schema.ts";
import type { AutonomyLevel } from "../protocol/frames.ts";

// What the D1 row mirrors of an EmployeeDO's record, for listing and for counting against the
// plan (the object is the owner; the row follows it).
export type EmployeeMirror = Pick<
  typeof employees.$inferSelect,
  | "id"
  | "name"
  | "tone"
  | "skills"
  | "status"
  | "statusReason"
  | "step"
  | "nodeId"
  | "waitingSince"
  | "updatedAt"
> & { generation?: number; restoredFrom?: number | null };

export async function mirrorEmployee(d1: D1Database, r: EmployeeMirror): Promise<void> {
  await openDb(d1)
    .update(employees)
    .set({
      name: r.name,
      tone: r.tone,
      skills: r.skills,
      status: r.status,
      statusReason: r.statusReason,
      step: r.step,
      nodeId: r.nodeId,
      waitingSince: r.waitingSince,
      generation: r.generation ?? 0,
      restoredFrom: r.restoredFrom ?? null,
      updatedAt: r.updatedAt,
    })
    .where(eq(employees.id, r.id));
}

export async function forgetEmployee(d1: D1Database, id: string): Promise<void> {
  await openDb(d1).delete(employees).where(eq(employees.id, id));
}

/** Employees waiting for a server, in the order they are served (their launch's start). */
export async function employeesWaitingForServer(d1: D1Database, limit: number): Promise<string[]> {
  const rows = await openDb(d1)
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.status, "provisioning"), isNull(employees.nodeId)))
    .orderBy(asc(employees.waitingSince), asc(employees.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

// How many employees wait for a server ahead of this one: those that already found none (their
// step says so) and whose launch began earlier (ties: by id). Rows whose wait began before
// `notBefore` are not counted: their wait has timed out, and a row whose object could not mirror
// that must not hold the queue up for ever.
export async function waitersAhead(
  d1: D1Database,
  employee: { id: string; waitingSince: number },
  notBefore: number,
): Promise<number> {
  const row = await d1
    .prepare(
      `SELECT count(*) AS n FROM employees
       WHERE status = 'provisioning' AND node_id IS NULL AND step = 'waiting_for_server'
         AND id != ?1 AND waiting_since >= ?3
         AND (waiting_since < ?2 OR (waiting_since = ?2 AND id < ?1))`,
    )
    .bind(employee.id, employee.waitingSince, notBefore)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The email of a member of the account (null once they left it). */
export async function memberEmail(
  d1: D1Database,
  accountId: string,
  userId: string,
): Promise<string | null> {
  const row = await openDb(d1)
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
  return row?.email ?? null;
}

/** Who an employee works for, as its workspace names them: its account's owner. */
export async function customerOf(
  d1: D1Database,
  accountId: string,
): Promise<{ name: string; email: string } | undefined> {
  const row = await openDb(d1)
    .select({ name: users.name, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.role, "owner")))
    .get();
  return row && { name: row.name ?? row.email, email: row.email };
}

/** How much the employee may do without asking (issue 18); "ask" for a row that is gone. */
export async function autonomyOf(d1: D1Database, employeeId: string): Promise<AutonomyLevel> {
  const row = await openDb(d1)
    .select({ autonomy: employees.autonomy })
    .from(employees)
    .where(eq(employees.id, employeeId))
    .get();
  return row?.autonomy ?? "ask";
}
