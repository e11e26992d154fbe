import { eq } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { employees } from "../../db/schema.ts";
import type { EmployeeRecord } from "../objects/employee-record.ts";

// D1 is a mirror of each EmployeeDO, for listing and for counting against the plan.
export async function mirrorEmployee(d1: D1Database, r: EmployeeRecord): Promise<void> {
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
