import { and, eq, isNull } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { employees, memberships, users } from "../../db/schema.ts";

// What the D1 row mirrors of an EmployeeDO's record, for listing and for counting against the
// plan (the object is the owner; the row follows it).
export type EmployeeMirror = Pick<
  typeof employees.$inferSelect,
  "id" | "name" | "tone" | "skills" | "status" | "statusReason" | "step" | "nodeId" | "updatedAt"
>;

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
      updatedAt: r.updatedAt,
    })
    .where(eq(employees.id, r.id));
}

export async function forgetEmployee(d1: D1Database, id: string): Promise<void> {
  await openDb(d1).delete(employees).where(eq(employees.id, id));
}

/** Employees waiting for a server, oldest rows first as D1 returns them. */
export async function employeesWaitingForServer(d1: D1Database, limit: number): Promise<string[]> {
  const rows = await openDb(d1)
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.status, "provisioning"), isNull(employees.nodeId)))
    .limit(limit);
  return rows.map((r) => r.id);
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
