import { and, asc, eq, exists, gt, isNotNull, isNull, lte } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type AccountRow, accounts, employees, knowledgeFiles, llmUsage } from "../../db/schema.ts";

// The rows an account's deletion reads and writes. Each write is conditional on the state it
// expects, so a cancel and the cron's purge cannot both win, and a retry changes nothing twice.

/** Schedules the deletion; undefined when it was already scheduled (or the account is gone). */
export async function markDeletionRequested(
  db: Db,
  accountId: string,
  now: number,
): Promise<AccountRow | undefined> {
  const [row] = await db
    .update(accounts)
    .set({ deletionRequestedAt: now, updatedAt: now })
    .where(and(eq(accounts.id, accountId), isNull(accounts.deletionRequestedAt)))
    .returning();
  return row;
}

/** Cancels a deletion requested after `graceStart` (still in its grace); undefined otherwise. */
export async function clearDeletionRequest(
  db: Db,
  accountId: string,
  graceStart: number,
  now: number,
): Promise<AccountRow | undefined> {
  const [row] = await db
    .update(accounts)
    .set({ deletionRequestedAt: null, updatedAt: now })
    .where(and(eq(accounts.id, accountId), gt(accounts.deletionRequestedAt, graceStart)))
    .returning();
  return row;
}

/** Accounts whose deletion was requested at or before `cutoff`, oldest request first. */
export async function accountsDueForDeletion(
  db: Db,
  cutoff: number,
  limit: number,
): Promise<AccountRow[]> {
  return db
    .select()
    .from(accounts)
    .where(and(isNotNull(accounts.deletionRequestedAt), lte(accounts.deletionRequestedAt, cutoff)))
    .orderBy(asc(accounts.deletionRequestedAt))
    .limit(limit)
    .all();
}

/** Accounts scheduled for deletion and still in their grace. */
export async function accountsAwaitingDeletion(
  db: Db,
  cutoff: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(gt(accounts.deletionRequestedAt, cutoff))
    .limit(limit)
    .all();
  return rows.map((r) => r.id);
}

export async function employeeIdsOf(db: Db, accountId: string): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(eq(employees.accountId, accountId))
    .all();
  return rows.map((r) => r.id);
}

export async function knowledgeKeysOf(db: Db, accountId: string): Promise<string[]> {
  const rows = await db
    .select({ r2Key: knowledgeFiles.r2Key })
    .from(knowledgeFiles)
    .where(eq(knowledgeFiles.accountId, accountId))
    .all();
  return rows.map((r) => r.r2Key);
}

/**
 * The account's rows, in one batch: its usage (which has no foreign key), then the account,
 * whose foreign keys take memberships, employees, knowledge rows, keys, subscriptions, chat
 * views, invitations and the audit log with it, and leave sessions acting nowhere. Only while
 * the deletion is still requested and due; false when there was nothing to delete.
 */
export async function deleteAccountRows(
  db: Db,
  accountId: string,
  cutoff: number,
): Promise<boolean> {
  const due = and(
    eq(accounts.id, accountId),
    isNotNull(accounts.deletionRequestedAt),
    lte(accounts.deletionRequestedAt, cutoff),
  );
  const [, deleted] = await db.batch([
    db
      .delete(llmUsage)
      .where(
        and(
          eq(llmUsage.accountId, accountId),
          exists(db.select({ id: accounts.id }).from(accounts).where(due)),
        ),
      ),
    db.delete(accounts).where(due).returning({ id: accounts.id }),
  ]);
  return deleted.length > 0;
}
