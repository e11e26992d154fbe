import { and, asc, eq, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { invitations, memberships, sessions, users } from "../../db/schema.ts";
import type { TeamRole } from "../contract/team.ts";

// Who belongs to an account and as what. Plain functions over D1; who may change what is the
// services' (services/team.ts). Each change is one statement or one batch (D1 runs a batch as a
// transaction) whose WHERE repeats what the service saw, so a concurrent change makes it do
// nothing instead of leaving an account with no owner or two.

export interface MemberRow {
  userId: string;
  email: string;
  name: string | null;
  role: TeamRole;
  joinedAt: number;
  /** Granted deciding approvals (issue 18; a member's: owners and admins may regardless). */
  canApprove: boolean;
}

const memberColumns = {
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  joinedAt: memberships.createdAt,
  canApprove: memberships.canApprove,
};

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 } as const;

/** The owner first, then admins, then members, each by when they joined. */
export async function listMembers(db: Db, accountId: string): Promise<MemberRow[]> {
  const rows = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .orderBy(asc(memberships.createdAt))
    .all();
  return rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt);
}

export async function memberOf(
  db: Db,
  accountId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  return db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get();
}

/** Whether someone with this (normalised) email belongs to the account. */
export async function isMemberByEmail(db: Db, accountId: string, email: string): Promise<boolean> {
  const row = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(users.email, email)))
    .get();
  return row !== undefined;
}

/**
 * Sets an admin's or member's role, only if it is still `from`: never touches the owner and never
 * makes one (see transferOwnership). False when nothing changed.
 */
export async function setMemberRole(
  db: Db,
  input: { accountId: string; userId: string; from: "admin" | "member"; to: "admin" | "member" },
  now: number,
): Promise<boolean> {
  const update = db
    .update(memberships)
    .set({ role: input.to })
    .where(
      and(
        eq(memberships.accountId, input.accountId),
        eq(memberships.userId, input.userId),
        eq(memberships.role, input.from),
      ),
    )
    .returning({ userId: memberships.userId });
  // A member may invite no one: an admin made a member loses their open invitations with the role.
  if (input.from !== "admin" || input.to !== "member") return (await update).length > 0;
  const [changed] = await db.batch([
    update,
    revokeInvitationsBy(db, input.accountId, input.userId, now),
  ]);
  return changed.length > 0;
}

/**
 * Revokes the open invitations `userId` sent in the account unless they still hold a role that
 * may invite (owner or admin): a link sent before a removal or demotion must not bring anyone of
 * theirs back. Runs in the batch of the change, after it, so the two cannot part, and a change
 * that did not happen (its WHERE saw something else) revokes nothing.
 */
function revokeInvitationsBy(db: Db, accountId: string, userId: string, now: number) {
  return db
    .update(invitations)
    .set({ revokedAt: now })
    .where(
      and(
        eq(invitations.accountId, accountId),
        eq(invitations.invitedBy, userId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        sql`not exists (select 1 from ${memberships} where ${memberships.accountId} = ${accountId} and ${memberships.userId} = ${userId} and ${memberships.role} in ('owner', 'admin'))`,
      ),
    );
}

/**
 * The owner hands the account to another member and becomes an admin, in one transaction. The new
 * owner is promoted only while `fromUserId` is still the owner, and then the old owner is
 * demoted: two concurrent transfers cannot both happen. False when nothing changed.
 */
export async function transferOwnership(
  db: Db,
  input: { accountId: string; fromUserId: string; toUserId: string },
): Promise<boolean> {
  const { accountId, fromUserId, toUserId } = input;
  const stillOwner = sql`exists (select 1 from ${memberships} where ${memberships.accountId} = ${accountId} and ${memberships.userId} = ${fromUserId} and ${memberships.role} = 'owner')`;
  const [promoted] = await db.batch([
    db
      .update(memberships)
      .set({ role: "owner" })
      .where(
        and(
          eq(memberships.accountId, accountId),
          eq(memberships.userId, toUserId),
          ne(memberships.role, "owner"),
          stillOwner,
        ),
      )
      .returning({ userId: memberships.userId }),
    db
      .update(memberships)
      .set({ role: "admin" })
      .where(
        and(
          eq(memberships.accountId, accountId),
          eq(memberships.userId, fromUserId),
          eq(memberships.role, "owner"),
          // Only once the new owner is in place: a failed promotion leaves the owner as they were.
          sql`exists (select 1 from ${memberships} where ${memberships.accountId} = ${accountId} and ${memberships.userId} = ${toUserId} and ${memberships.role} = 'owner')`,
        ),
      ),
  ]);
  return promoted.length > 0;
}

/**
 * Takes a person out of the account (never its owner), points their sessions that acted in it
 * back at their first account and revokes the invitations they sent, in one transaction. False when they were not removed.
 */
export async function deleteMember(
  db: Db,
  accountId: string,
  userId: string,
  now: number,
): Promise<boolean> {
  const [deleted] = await db.batch([
    db
      .delete(memberships)
      .where(
        and(
          eq(memberships.accountId, accountId),
          eq(memberships.userId, userId),
          ne(memberships.role, "owner"),
        ),
      )
      .returning({ userId: memberships.userId }),
    db
      .update(sessions)
      .set({ activeAccountId: null })
      .where(
        and(
          eq(sessions.userId, userId),
          eq(sessions.activeAccountId, accountId),
          sql`not exists (select 1 from ${memberships} where ${memberships.accountId} = ${accountId} and ${memberships.userId} = ${userId})`,
        ),
      ),
    revokeInvitationsBy(db, accountId, userId, now),
  ]);
  return deleted.length > 0;
}

/**
 * Grants or withdraws deciding approvals (issue 18), only while the person is still a member
 * (owners and admins decide regardless). False when nothing matched.
 */
export async function setCanApprove(
  db: Db,
  input: { accountId: string; userId: string; canApprove: boolean },
): Promise<boolean> {
  const changed = await db
    .update(memberships)
    .set({ canApprove: input.canApprove })
    .where(
      and(
        eq(memberships.accountId, input.accountId),
        eq(memberships.userId, input.userId),
        eq(memberships.role, "member"),
      ),
    )
    .returning({ userId: memberships.userId });
  return changed.length > 0;
}
