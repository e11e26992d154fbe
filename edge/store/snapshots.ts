import { and, desc, eq, ne } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { type SNAPSHOT_KINDS, type SnapshotRow, snapshots } from "../../db/schema.ts";

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

// ---- snap-lifecycle's stand-ins (issue 16) ----
// The lifecycle needs these two before edge/snapshots/snapshot-service.ts (snap-store) lands;
// edge/objects/snapshot-catalogue.ts is their one caller and switches to the service's
// discardSnapshot / verifySnapshot then, after which this block goes.

/** Forgets a snapshot that was skipped (nothing changed since the last): its row goes. */
export async function discardPendingSnapshot(d1: D1Database, id: string): Promise<void> {
  await openDb(d1)
    .delete(snapshots)
    .where(and(eq(snapshots.id, id), eq(snapshots.status, "pending")));
}

/** The catalogue's own check: complete, with a manifest digest (chunks are the store's to check). */
export function snapshotRowSealed(row: SnapshotRow): boolean {
  return row.status === "complete" && row.manifestSha256 !== null;
}
