import { and, asc, eq, gte, isNull, lt, notExists, or, sql } from "drizzle-orm";
import { employees, snapshots } from "../../db/schema.ts";
import type { Backup } from "../contract/backup.ts";
import type { Employee } from "../contract/employee.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { employeeStub } from "../objects/stubs.ts";
import { SNAPSHOT_INTERVAL_MS } from "../protocol/snapshot-timeouts.ts";
import { backupView } from "../snapshots/backup-view.ts";
import { getSnapshot, listSnapshots } from "../store/snapshots.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { employeeFor } from "./employees.ts";
import { BACKUPS_PER_USER, RESTORES_PER_USER } from "./rate-limits.ts";

// An employee's restore points (issue 16): the list, one taken now, and a restore. The lifecycle
// decides (the EmployeeDO: whether its status allows it, one at a time, the snapshot before a
// restore); these verbs check the account, the role and the rate, and say what happened.

export async function listBackups(deps: Deps, actor: Actor, id: string): Promise<Backup[]> {
  await employeeFor(deps, actor, id, "employees.use");
  const rows = await listSnapshots(deps.env.DB, id);
  return rows.map((row) => backupView(row));
}

export async function takeBackup(deps: Deps, actor: Actor, id: string): Promise<Backup> {
  await employeeFor(deps, actor, id, "employees.manage");
  await deps.limits.take(BACKUPS_PER_USER, actor.userId);
  const result = await employeeStub(deps.env, id).requestBackup("manual");
  if (!result.ok) throw new ApiError(409, "invalid_state", result.message);
  await recordAudit(
    deps,
    actor,
    "employee.backup",
    { type: "employee", id },
    { backupId: result.backup.id },
  );
  return result.backup;
}

export async function restoreBackup(
  deps: Deps,
  actor: Actor,
  id: string,
  backupId: string,
): Promise<Employee> {
  await employeeFor(deps, actor, id, "employees.manage");
  // Another employee's backup (even the account's own) is not this one's to restore.
  const row = await getSnapshot(deps.env.DB, backupId);
  if (!row || row.employeeId !== id || row.status === "deleted") throw notFound("backup");
  await deps.limits.take(RESTORES_PER_USER, actor.userId);
  const result = await employeeStub(deps.env, id).requestRestore(backupId);
  if (!result.ok) {
    if (result.code === "not_found") throw notFound("backup");
    if (result.code === "snapshot_corrupt")
      throw new ApiError(409, "snapshot_corrupt", result.message);
    throw new ApiError(409, "invalid_state", result.message);
  }
  await recordAudit(deps, actor, "employee.restore", { type: "employee", id }, { backupId });
  return result.employee;
}

/** How many employees one cron run asks for a scheduled snapshot (the rest wait 5 minutes). */
export const SCHEDULED_BACKUPS_PER_RUN = 50;

// The cron's scheduling step: a running employee with no snapshot row started or completed
// within SNAPSHOT_INTERVAL_MS is asked for a scheduled one, the longest-waiting first. The agent
// answers skipped when nothing changed; a request while one is pending answers that one.
export async function scheduleBackups(deps: Deps, now: number): Promise<number> {
  const due = await dueForBackup(deps, now);
  const results = await Promise.allSettled(
    due.map((id) => employeeStub(deps.env, id).requestBackup("scheduled")),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (due.length) deps.log.info("scheduled backups requested", { count: due.length, failed });
  return due.length;
}

/** The employees due a scheduled backup at `now`, at most SCHEDULED_BACKUPS_PER_RUN. */
export async function dueForBackup(deps: Deps, now: number): Promise<string[]> {
  const cut = now - SNAPSHOT_INTERVAL_MS;
  const due = await deps.db
    .select({ id: employees.id })
    .from(employees)
    .where(
      and(
        eq(employees.status, "running"),
        or(isNull(employees.lastSnapshotAt), lt(employees.lastSnapshotAt, cut)),
        notExists(
          deps.db
            .select({ one: sql`1` })
            .from(snapshots)
            .where(and(eq(snapshots.employeeId, employees.id), gte(snapshots.createdAt, cut))),
        ),
      ),
    )
    .orderBy(asc(sql`coalesce(${employees.lastSnapshotAt}, 0)`))
    .limit(SCHEDULED_BACKUPS_PER_RUN);
  return due.map((r) => r.id);
}
