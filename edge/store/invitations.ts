import { and, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../../db/client.ts";
import { accounts, type InvitationRow, invitations, memberships, users } from "../../db/schema.ts";

// Invitations to join an account. Only the SHA-256 of a link's token is stored. Plain functions
// over D1; the rules (who may invite whom, whose email may accept) are services/invitations.ts'.

const inviter = alias(users, "inviter");

export interface InvitationWithNames extends InvitationRow {
  /** The inviter's email; null once that person is gone. */
  inviterEmail: string | null;
  inviterName: string | null;
  accountName: string;
}

const withNames = {
  invitation: invitations,
  inviterEmail: inviter.email,
  inviterName: inviter.name,
  accountName: accounts.name,
};

function flatten(row: {
  invitation: InvitationRow;
  inviterEmail: string | null;
  inviterName: string | null;
  accountName: string;
}): InvitationWithNames {
  return {
    ...row.invitation,
    inviterEmail: row.inviterEmail,
    inviterName: row.inviterName,
    accountName: row.accountName,
  };
}

export async function insertInvitation(db: Db, row: InvitationRow): Promise<void> {
  await db.insert(invitations).values(row);
}

/** Takes back an invitation whose mail could not be sent. */
export async function deleteInvitation(db: Db, id: string): Promise<void> {
  await db.delete(invitations).where(eq(invitations.id, id));
}

/** Open: neither accepted nor revoked, and not yet expired. Newest first. */
export async function listOpenInvitations(
  db: Db,
  accountId: string,
  now: number,
): Promise<InvitationWithNames[]> {
  const rows = await db
    .select(withNames)
    .from(invitations)
    .innerJoin(accounts, eq(accounts.id, invitations.accountId))
    .leftJoin(inviter, eq(inviter.id, invitations.invitedBy))
    .where(
      and(
        eq(invitations.accountId, accountId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      ),
    )
    .orderBy(desc(invitations.createdAt))
    .all();
  return rows.map(flatten);
}

export async function invitationByTokenHash(
  db: Db,
  tokenHash: string,
): Promise<InvitationWithNames | undefined> {
  const row = await db
    .select(withNames)
    .from(invitations)
    .innerJoin(accounts, eq(accounts.id, invitations.accountId))
    .leftJoin(inviter, eq(inviter.id, invitations.invitedBy))
    .where(eq(invitations.tokenHash, tokenHash))
    .get();
  return row && flatten(row);
}

/**
 * Revokes one open invitation of the account whose role is among `roles` (an admin may take back
 * member invitations only); undefined when there was none by that id and role.
 */
export async function revokeInvitation(
  db: Db,
  input: { accountId: string; id: string; now: number; roles: readonly InvitationRow["role"][] },
): Promise<InvitationRow | undefined> {
  return db
    .update(invitations)
    .set({ revokedAt: input.now })
    .where(
      and(
        eq(invitations.accountId, input.accountId),
        eq(invitations.id, input.id),
        inArray(invitations.role, [...input.roles]),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .returning()
    .get();
}

/** The account's open (unused, unrevoked) invitations to this email, or the one by this id. */
export async function openInvitationsOf(
  db: Db,
  accountId: string,
  by: { email: string } | { id: string },
): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.accountId, accountId),
        "email" in by ? eq(invitations.email, by.email) : eq(invitations.id, by.id),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .all();
}

/**
 * Revokes the account's unused invitations to this email that are older than the kept one (a new
 * one replaces them) and whose role is among `roles`. Only older ones: of two invitations sent at
 * once, the newer stays, instead of each revoking the other and leaving both links dead.
 */
export async function revokeOtherInvitations(
  db: Db,
  input: {
    accountId: string;
    email: string;
    keep: Pick<InvitationRow, "id" | "createdAt">;
    now: number;
    roles: readonly InvitationRow["role"][];
  },
): Promise<number> {
  const { keep } = input;
  const revoked = await db
    .update(invitations)
    .set({ revokedAt: input.now })
    .where(
      and(
        eq(invitations.accountId, input.accountId),
        eq(invitations.email, input.email),
        ne(invitations.id, keep.id),
        or(
          lt(invitations.createdAt, keep.createdAt),
          and(eq(invitations.createdAt, keep.createdAt), lt(invitations.id, keep.id)),
        ),
        inArray(invitations.role, [...input.roles]),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .returning({ id: invitations.id });
  return revoked.length;
}

/**
 * Spends the invitation and makes the person a member, in one transaction. The claim is a
 * conditional UPDATE (unused, not revoked, not expired), so of two concurrent accepts exactly one
 * changes the row; the membership is inserted only from the row this call claimed. Undefined when
 * the invitation could not be claimed.
 */
export async function claimInvitation(
  db: Db,
  input: { tokenHash: string; userId: string; now: number },
): Promise<InvitationRow | undefined> {
  const { tokenHash, userId, now } = input;
  const [claimed] = await db.batch([
    db
      .update(invitations)
      .set({ acceptedAt: now, acceptedBy: userId })
      .where(
        and(
          eq(invitations.tokenHash, tokenHash),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, now),
        ),
      )
      .returning(),
    db
      .insert(memberships)
      .select(
        db
          .select({
            accountId: invitations.accountId,
            userId: sql<string>`${userId}`.as("user_id"),
            role: invitations.role,
            createdAt: sql<number>`${now}`.as("created_at"),
            canApprove: sql<boolean>`0`.as("can_approve"),
          })
          .from(invitations)
          .where(
            and(
              eq(invitations.tokenHash, tokenHash),
              eq(invitations.acceptedBy, userId),
              eq(invitations.acceptedAt, now),
            ),
          ),
      )
      .onConflictDoNothing(),
  ]);
  return claimed[0];
}

/**
 * Drops invitations that can no longer be used and were settled (accepted, revoked or expired)
 * before `cutoff`: the audit log keeps what happened to them.
 */
export async function deleteSettledInvitations(db: Db, cutoff: number): Promise<void> {
  await db
    .delete(invitations)
    .where(
      sql`coalesce(${invitations.acceptedAt}, ${invitations.revokedAt}, ${invitations.expiresAt}) < ${cutoff}`,
    );
}
