import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { type AccountRow, accounts, memberships, sessions } from "../../db/schema.ts";
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

/** A new account with its owner, in one batch (D1 has no interactive transactions). */
export async function insertAccountWithOwner(
  db: Db,
  input: { id: string; name: string; ownerId: string; trialEndsAt: number; now: number },
): Promise<AccountRow> {
  const [inserted] = await db.batch([
    db
      .insert(accounts)
      .values({
        id: input.id,
        name: input.name,
        plan: "trial",
        trialEndsAt: input.trialEndsAt,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .returning(),
    db
      .insert(memberships)
      .values({ accountId: input.id, userId: input.ownerId, role: "owner", createdAt: input.now }),
  ]);
  const account = inserted[0];
  if (!account) throw new Error(`account ${input.id} was not inserted`);
  return account;
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
