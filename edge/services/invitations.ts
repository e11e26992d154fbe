import type { InvitationRow } from "../../db/schema.ts";
import { hashToken, randomToken } from "../auth/tokens.ts";
import type { AccountView, InvitationPreview, InvitationView } from "../contract/team.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { invitationMail } from "../mail/invitation-mail.ts";
import { accountById, membershipIn } from "../store/accounts.ts";
import {
  claimInvitation,
  deleteInvitation,
  type InvitationWithNames,
  insertInvitation,
  invitationByTokenHash,
  listOpenInvitations,
  openInvitationsOf,
  revokeInvitation,
  revokeOtherInvitations,
} from "../store/invitations.ts";
import { isMemberByEmail, memberOf } from "../store/team.ts";
import { setActiveAccount } from "../store/user-sessions.ts";
import { refuseWhileDeletionScheduled } from "./account-state.ts";
import { accountView } from "./account-view.ts";
import { normaliseEmail } from "./accounts.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { INVITES_PER_ACCOUNT } from "./rate-limits.ts";

// Invitations by email. The link carries a random token whose SHA-256 alone is stored; it opens
// the app's /invite page, which shows the invitation (GET /api/invitation, signed out too, never
// spending it) and accepts it for a signed-in person (POST /api/invitation/accept). A link is
// valid 7 days, works once and can be revoked; inviting the same email again replaces it.
// Only the person the invitation was sent to may accept it: a forwarded link lets nobody else in.

const DAY = 24 * 60 * 60 * 1000;
export const INVITATION_TTL_DAYS = 7;
export const INVITATION_TTL_MS = INVITATION_TTL_DAYS * DAY;
/** The app's page the emailed link opens. */
export const INVITATION_PAGE = "/invite";
/** How long an account scheduled for deletion waits (the lifecycle's grace), for AccountView. */

export type InvitationFailure = "link_invalid" | "link_used" | "link_expired";

const FAILURES = {
  link_invalid: [404, "This invitation is not valid. It may have been withdrawn."],
  link_used: [410, "This invitation was already accepted."],
  link_expired: [410, "This invitation has expired. Ask for a new one."],
} as const;

const failure = (reason: InvitationFailure) =>
  new ApiError(FAILURES[reason][0], reason, FAILURES[reason][1]);

function invitationView(row: InvitationRow, inviterEmail: string | null): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy: inviterEmail,
    createdAt: new Date(row.createdAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
  };
}

export async function listInvitations(deps: Deps, actor: Actor): Promise<InvitationView[]> {
  requireRight(actor, "members.manage");
  return (await listOpenInvitations(deps.db, actor.accountId, deps.now())).map((row) =>
    invitationView(row, row.inviterEmail),
  );
}

export async function inviteMember(
  deps: Deps,
  actor: Actor,
  input: { email: string; role: "admin" | "member" },
): Promise<InvitationView> {
  requireRight(actor, "members.manage");
  if (input.role === "admin" && actor.role !== "owner")
    throw new ApiError(403, "forbidden_role", "Only the team's owner can invite an admin.");
  const email = normaliseEmail(input.email);
  if (await isMemberByEmail(deps.db, actor.accountId, email)) {
    throw new ApiError(409, "invalid_state", `${email} is already a member of this team.`, {
      email: "Already a member.",
    });
  }
  // Only the owner touches admins (RIGHTS), so an admin's invitation replaces no admin invitation.
  const mayReplace = rolesActorMayRevoke(actor);
  const earlier = await openInvitationsOf(deps.db, actor.accountId, { email });
  const live = earlier.filter((i) => i.expiresAt > deps.now());
  if (live.some((i) => !mayReplace.includes(i.role))) throw ownersInvitation();
  const account = await accountById(deps.db, actor.accountId);
  const inviter = await memberOf(deps.db, actor.accountId, actor.userId);
  if (!account || !inviter) throw notFound("team");
  refuseWhileDeletionScheduled(account, "No one can be invited");
  await deps.limits.take(INVITES_PER_ACCOUNT, actor.accountId);
  const token = randomToken();
  const now = deps.now();
  const row: InvitationRow = {
    id: crypto.randomUUID(),
    accountId: actor.accountId,
    email,
    role: input.role,
    tokenHash: hashToken(token),
    invitedBy: actor.userId,
    createdAt: now,
    expiresAt: now + INVITATION_TTL_MS,
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  await insertInvitation(deps.db, row);
  const link = new URL(INVITATION_PAGE, deps.config.appOrigin);
  link.searchParams.set("token", token);
  try {
    await deps.mailer.send(
      invitationMail({
        to: email,
        accountName: account.name,
        inviterName: inviter.name,
        inviterEmail: actor.email,
        role: input.role,
        link: link.href,
        days: INVITATION_TTL_DAYS,
      }),
    );
  } catch (err) {
    // No mail, no invitation: the earlier one (if any) stays valid.
    await deleteInvitation(deps.db, row.id);
    throw err;
  }
  // Only now that the new link is on its way does it replace the earlier ones.
  const replaced = await revokeOtherInvitations(deps.db, {
    accountId: actor.accountId,
    email,
    keep: row,
    now,
    roles: mayReplace,
  });
  await recordAudit(
    deps,
    actor,
    "member.invite",
    { type: "invitation", id: row.id },
    { email, role: input.role, ...(replaced > 0 ? { replaced } : {}) },
  );
  return invitationView(row, actor.email);
}

const ownersInvitation = () =>
  new ApiError(
    403,
    "forbidden_role",
    "The team's owner invited this person as an admin; only the owner can revoke or change that invitation.",
  );

/** The roles of invitations the actor may revoke or replace: only the owner touches admins. */
const rolesActorMayRevoke = (actor: Actor): readonly InvitationRow["role"][] =>
  actor.role === "owner" ? ["admin", "member"] : ["member"];

export async function revokeInvite(deps: Deps, actor: Actor, id: string): Promise<void> {
  requireRight(actor, "members.manage");
  const revoked = await revokeInvitation(deps.db, {
    accountId: actor.accountId,
    id,
    now: deps.now(),
    roles: rolesActorMayRevoke(actor),
  });
  if (!revoked) {
    // Nothing revoked: an admin invitation the actor may not touch, or none at all.
    const open = await openInvitationsOf(deps.db, actor.accountId, { id });
    if (open.length > 0) throw ownersInvitation();
    throw notFound("invitation");
  }
  await recordAudit(
    deps,
    actor,
    "member.invite_revoke",
    { type: "invitation", id },
    { email: revoked.email, role: revoked.role },
  );
}

function usable(row: InvitationWithNames | undefined, now: number): InvitationWithNames {
  if (!row || row.revokedAt !== null) throw failure("link_invalid");
  if (row.acceptedAt !== null) throw failure("link_used");
  if (row.expiresAt <= now) throw failure("link_expired");
  return row;
}

/** What the /invite page shows. Reads only: any number of look-ups leave the link as it was. */
export async function previewInvitation(deps: Deps, token: string): Promise<InvitationPreview> {
  const row = usable(await invitationByTokenHash(deps.db, hashToken(token)), deps.now());
  return {
    accountName: row.accountName,
    email: row.email,
    role: row.role,
    invitedBy: row.inviterEmail,
    expiresAt: new Date(row.expiresAt).toISOString(),
  };
}

/**
 * Spends the invitation for the signed-in person, makes them a member with the invited role and
 * switches this session to the account. Checked before anything is spent: the link is usable,
 * it was sent to this person's email, and they are not a member already.
 */
export async function acceptInvitation(
  deps: Deps,
  input: {
    token: string;
    user: { id: string; email: string };
    sessionId: string;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<AccountView> {
  const tokenHash = hashToken(input.token);
  const row = usable(await invitationByTokenHash(deps.db, tokenHash), deps.now());
  if (normaliseEmail(input.user.email) !== row.email) {
    throw new ApiError(
      403,
      "forbidden_role",
      `This invitation was sent to ${row.email}. Sign in with that email to accept it.`,
    );
  }
  if (await membershipIn(deps.db, input.user.id, row.accountId)) {
    throw new ApiError(409, "invalid_state", `You are already a member of ${row.accountName}.`);
  }
  const account = await accountById(deps.db, row.accountId);
  if (!account) throw failure("link_invalid");
  refuseWhileDeletionScheduled(account, `You cannot join ${row.accountName}`);
  const now = deps.now();
  const claimed = await claimInvitation(deps.db, { tokenHash, userId: input.user.id, now });
  // Someone (another tab) spent, revoked or outlived it since the look-up: say which.
  if (!claimed) usable(await invitationByTokenHash(deps.db, tokenHash), now);
  const membership = await membershipIn(deps.db, input.user.id, row.accountId);
  if (!claimed || !membership) throw failure("link_used");
  await setActiveAccount(deps.db, input.sessionId, row.accountId);
  deps.log.info("invitation accepted", { accountId: row.accountId, userId: input.user.id });
  const actor: Actor = {
    userId: input.user.id,
    email: input.user.email,
    accountId: row.accountId,
    role: membership.role,
    ip: input.ip,
    userAgent: input.userAgent,
  };
  await recordAudit(
    deps,
    actor,
    "member.join",
    { type: "user", id: input.user.id },
    { role: membership.role, invitationId: row.id, invitedBy: row.inviterEmail },
  );
  return accountView(membership.account, membership.role, true);
}
