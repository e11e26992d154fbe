import { and, desc, eq, gte, lt, lte, or, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type AuditEventRow, auditEvents } from "../../db/schema.ts";

// The audit log's rows. Plain functions over D1; what is recorded is the services' choice
// (services/audit.ts).

export type NewAuditEvent = Omit<AuditEventRow, "id">;

export async function insertAuditEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values({ id: crypto.randomUUID(), ...event });
}

export interface AuditFilter {
  accountId: string;
  action?: string | undefined;
  actorEmail?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  before?: number | undefined;
  /** With `before`: also the events at exactly `before` whose id sorts below this one (keyset). */
  beforeId?: string | undefined;
  limit: number;
}

/** Newest first. */
export async function listAuditEvents(db: Db, f: AuditFilter): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(whereOf(f))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(f.limit)
    .all();
}

/** Only where each event sits (time and id), newest first: the CSV finds its end with these. */
export async function listAuditKeys(db: Db, f: AuditFilter): Promise<{ at: number; id: string }[]> {
  return db
    .select({ at: auditEvents.at, id: auditEvents.id })
    .from(auditEvents)
    .where(whereOf(f))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(f.limit)
    .all();
}

function whereOf(f: AuditFilter): SQL | undefined {
  const where: SQL[] = [eq(auditEvents.accountId, f.accountId)];
  if (f.action) where.push(eq(auditEvents.action, f.action));
  if (f.actorEmail) where.push(eq(auditEvents.actorEmail, f.actorEmail));
  if (f.from !== undefined) where.push(gte(auditEvents.at, f.from));
  if (f.to !== undefined) where.push(lte(auditEvents.at, f.to));
  if (f.before !== undefined) {
    const older = lt(auditEvents.at, f.before);
    where.push(
      f.beforeId === undefined
        ? older
        : (or(older, and(eq(auditEvents.at, f.before), lt(auditEvents.id, f.beforeId))) ?? older),
    );
  }
  return and(...where);
}

/** Drops events older than `cutoff` (epoch ms), every account's; how many went. */
export async function deleteAuditEventsBefore(db: Db, cutoff: number): Promise<number> {
  const result = await db.delete(auditEvents).where(lt(auditEvents.at, cutoff)).run();
  return result.meta.changes ?? 0;
}
