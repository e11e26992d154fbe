import { and, asc, eq, notExists, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type AccountRow, accounts, memberships, sessions, users } from "../../db/schema.ts";
import type { TeamRole } from "../contract/team.ts";

// Accounts and who belongs to them. Plain functions over D1; the rules (who may do what, the one
// owner) are the services'.

export interface Membership {
  account: AccountRow;
  role: TeamRole;
  joinedAt: number;
}

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 } as const;

/** The person's accounts: those they own first, then by when they joined. */
export async function membershipsOf(db: Db, userId: string): Promise<Membership[]> {
  const rows = await db
    .select({ account: accounts, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt))
    .all();
  return rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt);
}

export async function membershipIn(
  db: Db,
  userId: string,
  accountId: string,
): Promise<Membership | undefined> {
  return db
    .select({ account: accounts, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(and(eq(memberships.userId, userId), eq(memberships.accountId, accountId)))
    .get();
}

export async function accountById(db: Db, accountId: string): Promise<AccountRow | undefined> {
  return db.select().from(accounts).where(eq(accounts.id, accountId)).get();
}

/**
 * A new account owned by the person, on the trial, in one batch (D1 runs it as a transaction)
 * and only while they belong to no account: of any number of concurrent calls for someone with
 * no membership, exactly one inserts; the others insert nothing and get undefined (the caller
 * re-reads the memberships). The owner's membership is inserted only if this call's account row
 * was. The trial ends `trialMs` after the person signed up (users.created_at), never after now,
 * so a later personal account carries the trial that started at sign-up instead of a fresh one.
 */
export async function insertAccountWithOwner(
  db: Db,
  input: { id: string; name: string; ownerId: string; trialMs: number; now: number },
): Promise<AccountRow | undefined> {
  const { id, name, ownerId, trialMs, now } = input;
  const value = <T>(v: T, column: string) => sql<T>`${v}`.as(column);
  const [inserted] = await db.batch([
    db
      .insert(accounts)
      .select(
        // Every column of the table, in its order (drizzle checks this).
        db
          .select({
            id: value(id, "id"),
            name: value(name, "name"),
            plan: sql<"trial">`'trial'`.as("plan"),
            trialEndsAt: sql<number>`${users.createdAt} + ${trialMs}`.as("trial_ends_at"),
            stripeCustomerId: sql<null>`null`.as("stripe_customer_id"),
            billingNotice: sql<null>`null`.as("billing_notice"),
            deletionRequestedAt: sql<null>`null`.as("deletion_requested_at"),
            createdAt: value(now, "created_at"),
            updatedAt: value(now, "updated_at"),
            timeZone: sql<string>`'UTC'`.as("time_zone"),
            reportSentWeek: sql<null>`null`.as("report_sent_week"),
          })
          .from(users)
          .where(
            and(
              eq(users.id, ownerId),
              notExists(
                db.select({ one: sql`1` }).from(memberships).where(eq(memberships.userId, ownerId)),
              ),
            ),
          ),
      )
      .returning(),
    db.insert(memberships).select(
      db
        .select({
          accountId: accounts.id,
          userId: value(ownerId, "user_id"),
          role: sql<"owner">`'owner'`.as("role"),
          createdAt: value(now, "created_at"),
          canApprove: sql<boolean>`0`.as("can_approve"),
        })
        .from(accounts)
        .where(eq(accounts.id, id)),
    ),
  ]);
  return inserted[0];
}

export async function renameAccount(
  db: Db,
  accountId: string,
  name: string,
  now: number,
): Promise<AccountRow | undefined> {
  return db
    .update(accounts)
    .set({ name, updatedAt: now })
    .where(eq(accounts.id, accountId))
    .returning()
    .get();
}

/** The account a session acts in from now on (the caller checked the membership). */
export async function setSessionAccount(
  db: Db,
  sessionId: string,
  accountId: string,
): Promise<void> {
  await db.update(sessions).set({ activeAccountId: accountId }).where(eq(sessions.id, sessionId));
}
