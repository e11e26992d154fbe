import type { MemberView, TeamRole } from "../contract/team.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import {
  deleteMember,
  listMembers,
  type MemberRow,
  memberOf,
  setCanApprove,
  setMemberRole,
  transferOwnership,
} from "../store/team.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { paidSubscriptionInForce } from "./billing-enforcement.ts";
import type { Deps } from "./deps.ts";

// The team's members: list, change a role, transfer ownership, remove, leave. Who may do what:
// - any member sees the list;
// - admins manage members (remove them); only the owner grants or takes the admin role (as only
//   the owner may invite an admin: otherwise an admin could invite a member and promote them);
// - `role: "owner"` transfers ownership (the owner only); the old owner becomes an admin;
// - the owner removes anyone but themselves; anyone but the owner may leave;
// - an account always has exactly one owner: the owner can neither leave, be removed nor change
//   their own role, and the store's statements repeat these conditions (store/team.ts).

const forbidden = (message: string) => new ApiError(403, "forbidden_role", message);
const noSuchMember = () => notFound("member");
const changedMeanwhile = () =>
  new ApiError(409, "invalid_state", "This member changed meanwhile. Reload and try again.");

export function memberView(m: MemberRow): MemberView {
  return {
    userId: m.userId,
    email: m.email,
    name: m.name,
    role: m.role,
    joinedAt: new Date(m.joinedAt).toISOString(),
    // Owners and admins decide approvals regardless; a member when granted (issue 18).
    canApprove: m.role !== "member" || m.canApprove,
  };
}

export async function listTeamMembers(deps: Deps, actor: Actor): Promise<MemberView[]> {
  requireRight(actor, "employees.use");
  return (await listMembers(deps.db, actor.accountId)).map(memberView);
}

async function existingMember(deps: Deps, actor: Actor, userId: string): Promise<MemberRow> {
  const member = await memberOf(deps.db, actor.accountId, userId);
  if (!member) throw noSuchMember();
  return member;
}

export async function changeMemberRole(
  deps: Deps,
  actor: Actor,
  userId: string,
  role: TeamRole,
): Promise<MemberView> {
  requireRight(actor, "members.manage");
  const target = await existingMember(deps, actor, userId);
  if (role === "owner") return transfer(deps, actor, target);
  if (target.role === "owner") {
    throw forbidden(
      target.userId === actor.userId
        ? "You own this team. Transfer ownership to another member first; you then become an admin."
        : "The owner's role cannot be changed; only the owner can transfer ownership.",
    );
  }
  if (target.role === role) return memberView(target);
  // Granting or taking the admin role is the owner's (so is inviting an admin).
  if (actor.role !== "owner")
    throw forbidden("Only the team's owner can make someone an admin or change an admin's role.");
  const changed = await setMemberRole(
    deps.db,
    {
      accountId: actor.accountId,
      userId,
      from: target.role,
      to: role,
    },
    deps.now(),
  );
  if (!changed) throw changedMeanwhile();
  await recordAudit(
    deps,
    actor,
    "member.role",
    { type: "user", id: userId },
    { email: target.email, from: target.role, to: role },
  );
  return memberView({ ...target, role });
}

/**
 * PATCH /api/team/members/:userId {canApprove} (issue 18): grants a member deciding approvals,
 * or withdraws it. Admins may; owners and admins decide regardless, so theirs is not a grant.
 */
export async function setMemberApprovals(
  deps: Deps,
  actor: Actor,
  userId: string,
  canApprove: boolean,
): Promise<MemberView> {
  requireRight(actor, "members.manage");
  const target = await existingMember(deps, actor, userId);
  if (target.role !== "member")
    throw new ApiError(
      400,
      "invalid_input",
      "Owners and admins always decide approvals; only a member is granted it.",
      { canApprove: "Only for members." },
    );
  if (target.canApprove === canApprove) return memberView(target);
  if (!(await setCanApprove(deps.db, { accountId: actor.accountId, userId, canApprove })))
    throw changedMeanwhile();
  await recordAudit(
    deps,
    actor,
    "member.approvals",
    { type: "user", id: userId },
    { email: target.email, canApprove },
  );
  return memberView({ ...target, canApprove });
}

async function transfer(deps: Deps, actor: Actor, target: MemberRow): Promise<MemberView> {
  requireRight(actor, "account.own");
  if (target.userId === actor.userId) return memberView(target);
  // The Stripe customer holds the owner's card, address and invoices: a new owner would see them
  // in the portal and charge them, and the old one could no longer cancel. The owner cancels first.
  if (await paidSubscriptionInForce(deps, actor.accountId))
    throw new ApiError(
      409,
      "invalid_state",
      "This team has a paid subscription on your card. Cancel it on the Billing page first (the plan stays until the period ends), then transfer ownership; the new owner subscribes with their own card.",
    );
  const moved = await transferOwnership(deps.db, {
    accountId: actor.accountId,
    fromUserId: actor.userId,
    toUserId: target.userId,
  });
  if (!moved) throw changedMeanwhile();
  await recordAudit(
    deps,
    actor,
    "account.transfer",
    { type: "user", id: target.userId },
    { email: target.email, from: target.role, previousOwner: actor.email },
  );
  return memberView({ ...target, role: "owner" });
}

/** DELETE /api/team/members/:userId: leaving when it is the actor, removing someone otherwise. */
export async function removeMember(deps: Deps, actor: Actor, userId: string): Promise<void> {
  if (userId === actor.userId) return leave(deps, actor);
  requireRight(actor, "members.manage");
  const target = await existingMember(deps, actor, userId);
  if (target.role === "owner") throw forbidden("The team's owner cannot be removed.");
  if (target.role === "admin" && actor.role !== "owner")
    throw forbidden("Only the team's owner can remove an admin.");
  if (!(await deleteMember(deps.db, actor.accountId, userId, deps.now()))) throw noSuchMember();
  deps.log.info("member removed", { accountId: actor.accountId, userId });
  await recordAudit(
    deps,
    actor,
    "member.remove",
    { type: "user", id: userId },
    { email: target.email, role: target.role },
  );
}

async function leave(deps: Deps, actor: Actor): Promise<void> {
  if (actor.role === "owner") {
    throw forbidden(
      "You own this team, so you cannot leave it. Transfer ownership to another member first.",
    );
  }
  // A concurrent transfer may have made the actor the owner meanwhile: the store refuses then.
  if (!(await deleteMember(deps.db, actor.accountId, actor.userId, deps.now())))
    throw changedMeanwhile();
  deps.log.info("member left", { accountId: actor.accountId, userId: actor.userId });
  await recordAudit(
    deps,
    actor,
    "member.leave",
    { type: "user", id: actor.userId },
    {
      role: actor.role,
    },
  );
}
