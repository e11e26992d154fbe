import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
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
  limit: number;
}

/** Newest first. */
export async function listAuditEvents(db: Db, f: AuditFilter): Promise<AuditEventRow[]> {
  const where: SQL[] = [eq(auditEvents.accountId, f.accountId)];
  if (f.action) where.push(eq(auditEvents.action, f.action));
  if (f.actorEmail) where.push(eq(auditEvents.actorEmail, f.actorEmail));
  if (f.from !== undefined) where.push(gte(auditEvents.at, f.from));
  if (f.to !== undefined) where.push(lte(auditEvents.at, f.to));
  if (f.before !== undefined) where.push(lt(auditEvents.at, f.before));
  return db
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(f.limit)
    .all();
}

/** Drops events older than `cutoff` (epoch ms), every account's. */
export async function deleteAuditEventsBefore(db: Db, cutoff: number): Promise<void> {
  await db.delete(auditEvents).where(lt(auditEvents.at, cutoff));
}
