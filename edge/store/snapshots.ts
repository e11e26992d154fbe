import {
  and,
  desc,
  eq,
  exists,
  inArray,
  isNull,
  lt,
  max,
  ne,
  notExists,
  or,
  sql,
} from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import {
  type AccountRow,
  accounts,
  employees,
  type SNAPSHOT_KINDS,
  type SnapshotRow,
  snapshotKeys,
  snapshots,
} from "../../db/schema.ts";

// The snapshot catalogue (db/snapshots): one row per restore point. Opened `pending` by the edge
// before it asks a node for the snapshot; completed or failed by the snapshot store when the node
// is done. The lifecycle (EmployeeDO) and the snapshot service (edge/snapshots/) both use it.

export type SnapshotKindName = (typeof SNAPSHOT_KINDS)[number];

export interface NewSnapshot {
  accountId: string;
  employeeId: string;
  nodeId: string | null;
  generation: number;
  kind: SnapshotKindName;
}

export async function openSnapshot(
  d1: D1Database,
  s: NewSnapshot,
  now: number,
): Promise<SnapshotRow> {
  const row = {
    id: crypto.randomUUID(),
    ...s,
    status: "pending" as const,
    createdAt: now,
  };
  const [inserted] = await openDb(d1).insert(snapshots).values(row).returning();
  if (!inserted) throw new Error("snapshot row not inserted");
  return inserted;
}

export async function getSnapshot(d1: D1Database, id: string): Promise<SnapshotRow | null> {
  const [row] = await openDb(d1).select().from(snapshots).where(eq(snapshots.id, id)).limit(1);
  return row ?? null;
}

/** The newest complete snapshot of an employee: what node loss restores from. */
export async function latestCompleteSnapshot(
  d1: D1Database,
  employeeId: string,
): Promise<SnapshotRow | null> {
  const [row] = await openDb(d1)
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.employeeId, employeeId), eq(snapshots.status, "complete")))
    .orderBy(desc(snapshots.createdAt))
    .limit(1);
  return row ?? null;
}

export async function failSnapshot(
  d1: D1Database,
  id: string,
  error: string,
  now: number,
): Promise<void> {
  await openDb(d1)
    .update(snapshots)
    .set({ status: "failed", error: error.slice(0, 1000), completedAt: now })
    .where(and(eq(snapshots.id, id), eq(snapshots.status, "pending")));
}

/** An employee's restore points, newest first (deleted ones left out). */
export async function listSnapshots(
  d1: D1Database,
  employeeId: string,
  limit = 200,
): Promise<SnapshotRow[]> {
  return openDb(d1)
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.employeeId, employeeId), ne(snapshots.status, "deleted")))
    .orderBy(desc(snapshots.createdAt))
    .limit(limit);
}

// ---- the snapshot store's writes (edge/snapshots/) ----

export interface SnapshotKeyRow {
  keyId: string;
  wrappedKey: string;
}

export async function getSnapshotKey(
  d1: D1Database,
  accountId: string,
): Promise<SnapshotKeyRow | null> {
  const [row] = await openDb(d1)
    .select({ keyId: snapshotKeys.keyId, wrappedKey: snapshotKeys.wrappedKey })
    .from(snapshotKeys)
    .where(eq(snapshotKeys.accountId, accountId))
    .limit(1);
  return row ?? null;
}

/** Stores an account's first data key; a key stored first by a concurrent request wins. */
export async function insertSnapshotKey(
  d1: D1Database,
  accountId: string,
  key: SnapshotKeyRow,
  now: number,
): Promise<void> {
  await openDb(d1)
    .insert(snapshotKeys)
    .values({ accountId, ...key, createdAt: now })
    .onConflictDoNothing();
}

/** The same key wrapped again (a master key rotation), only if the row still holds `was`. */
export async function rewrapSnapshotKey(
  d1: D1Database,
  accountId: string,
  was: SnapshotKeyRow,
  now: SnapshotKeyRow,
): Promise<void> {
  await openDb(d1)
    .update(snapshotKeys)
    .set(now)
    .where(and(eq(snapshotKeys.accountId, accountId), eq(snapshotKeys.wrappedKey, was.wrappedKey)));
}

export async function deleteSnapshotKey(d1: D1Database, accountId: string): Promise<void> {
  await openDb(d1).delete(snapshotKeys).where(eq(snapshotKeys.accountId, accountId));
}

export interface SnapshotCompletion {
  logicalBytes: number;
  storedBytes: number;
  fileCount: number;
  manifestSha256: string;
  openclawVersion: string | null;
  agentVersion: string;
  image: string | null;
}

/** pending → complete, and the employee's last_snapshot_at; false when it was not pending. */
export async function completeSnapshot(
  d1: D1Database,
  row: Pick<SnapshotRow, "id" | "employeeId" | "createdAt">,
  done: SnapshotCompletion,
  now: number,
): Promise<boolean> {
  const db = openDb(d1);
  const [updated] = await db.batch([
    db
      .update(snapshots)
      .set({ ...done, status: "complete", completedAt: now, error: null })
      .where(and(eq(snapshots.id, row.id), eq(snapshots.status, "pending")))
      .returning({ id: snapshots.id }),
    // The time the state was read, never moved backwards by a late older one.
    db
      .update(employees)
      .set({ lastSnapshotAt: row.createdAt })
      .where(
        and(
          eq(employees.id, row.employeeId),
          or(isNull(employees.lastSnapshotAt), lt(employees.lastSnapshotAt, row.createdAt)),
          exists(
            db
              .select({ id: snapshots.id })
              .from(snapshots)
              .where(and(eq(snapshots.id, row.id), eq(snapshots.status, "complete"))),
          ),
        ),
      ),
  ]);
  return updated.length > 0;
}

/** A stored snapshot that failed a check: no longer a restore point. */
export async function markSnapshotCorrupt(
  d1: D1Database,
  id: string,
  error: string,
  now: number,
): Promise<void> {
  await openDb(d1)
    .update(snapshots)
    .set({ status: "failed", error: error.slice(0, 1000), completedAt: now })
    .where(and(eq(snapshots.id, id), inArray(snapshots.status, ["pending", "complete"])));
}

/** Marks rows deleted (no longer shown or restorable); their packs are released after. */
export async function markSnapshotsDeleted(d1: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await openDb(d1)
    .update(snapshots)
    .set({ status: "deleted" })
    .where(inArray(snapshots.id, [...ids]));
}

export async function deleteSnapshotRows(d1: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await openDb(d1)
    .delete(snapshots)
    .where(inArray(snapshots.id, [...ids]));
}

/** Pending rows opened before `before` (their node never finished them). */
export async function stalePendingSnapshots(
  d1: D1Database,
  before: number,
  limit: number,
): Promise<SnapshotRow[]> {
  return openDb(d1)
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.status, "pending"), lt(snapshots.createdAt, before)))
    .limit(limit);
}

/** Rows marked deleted whose packs may still hold references (a run stopped midway). */
export async function deletedSnapshots(d1: D1Database, limit: number): Promise<SnapshotRow[]> {
  return openDb(d1).select().from(snapshots).where(eq(snapshots.status, "deleted")).limit(limit);
}

/** Every row of an employee except deleted ones, newest first: what retention decides over. */
export async function snapshotsOfEmployee(
  d1: D1Database,
  employeeId: string,
): Promise<SnapshotRow[]> {
  return listSnapshots(d1, employeeId, 10_000);
}

/** Employees (with account and plan) whose rows may need pruning: some row older than `before`. */
export async function employeesWithOldSnapshots(
  d1: D1Database,
  before: number,
  limit: number,
): Promise<{ employeeId: string; accountId: string; plan: AccountRow["plan"] }[]> {
  // Picked at random: over many runs every employee's turn comes, with no cursor to keep.
  return openDb(d1)
    .selectDistinct({
      employeeId: snapshots.employeeId,
      accountId: snapshots.accountId,
      plan: accounts.plan,
    })
    .from(snapshots)
    .innerJoin(accounts, eq(accounts.id, snapshots.accountId))
    .where(and(ne(snapshots.status, "deleted"), lt(snapshots.createdAt, before)))
    .orderBy(sql`random()`)
    .limit(limit);
}

/** Fired employees (their row is gone) whose newest snapshot is older than `before`. */
export async function orphanedSnapshotOwners(
  d1: D1Database,
  before: number,
  limit: number,
): Promise<{ employeeId: string; accountId: string }[]> {
  const db = openDb(d1);
  return db
    .select({ employeeId: snapshots.employeeId, accountId: snapshots.accountId })
    .from(snapshots)
    .where(
      notExists(
        db
          .select({ id: employees.id })
          .from(employees)
          .where(eq(employees.id, snapshots.employeeId)),
      ),
    )
    .groupBy(snapshots.employeeId, snapshots.accountId)
    .having(lt(max(snapshots.createdAt), before))
    .limit(limit);
}

export async function snapshotIdsOfEmployee(d1: D1Database, employeeId: string): Promise<string[]> {
  const rows = await openDb(d1)
    .select({ id: snapshots.id })
    .from(snapshots)
    .where(eq(snapshots.employeeId, employeeId));
  return rows.map((r) => r.id);
}

/** Employees of an account that have snapshot rows (its deletion wipes their indexes). */
export async function snapshotOwnersOfAccount(
  d1: D1Database,
  accountId: string,
): Promise<string[]> {
  const rows = await openDb(d1)
    .selectDistinct({ employeeId: snapshots.employeeId })
    .from(snapshots)
    .where(eq(snapshots.accountId, accountId));
  return rows.map((r) => r.employeeId);
}
