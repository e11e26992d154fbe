import type { SessionUser } from "../auth/sessions.ts";
import type { AuditAction } from "../contract/audit.ts";
import { can, type Right, type TeamRole } from "../contract/team.ts";
import { ApiError } from "../http/api-error.ts";
import { type Membership, membershipIn, membershipsOf } from "../store/accounts.ts";
import { insertAuditEvent } from "../store/audit.ts";
import { createPersonalAccount } from "./accounts.ts";
import type { Deps } from "./deps.ts";

// Who is acting, in which account and with which role: what every verb of an account takes
// instead of a bare user id. Resolved once per request from the session (http/session.ts).
export interface Actor {
  userId: string;
  email: string;
  accountId: string;
  role: TeamRole;
  /** Where the request came from, for the audit log. */
  ip: string | null;
  userAgent: string | null;
}

/**
 * The session's active account when the person still belongs to it, else their first (the one
 * they own first). A person who belongs to none (they left or were removed from every account)
 * gets a new account of their own, so a signed-in person always acts somewhere.
 */
export async function resolveActor(
  deps: Deps,
  user: SessionUser,
  activeAccountId: string | null,
  client: { ip: string | null; userAgent: string | null },
): Promise<Actor> {
  let membership: Membership | undefined = activeAccountId
    ? await membershipIn(deps.db, user.id, activeAccountId)
    : undefined;
  membership ??= (await membershipsOf(deps.db, user.id))[0];
  let created = false;
  if (!membership) ({ membership, created } = await createPersonalAccount(deps, user));
  const actor: Actor = {
    userId: user.id,
    email: user.email,
    accountId: membership.account.id,
    role: membership.role,
    ...client,
  };
  if (created) await recordAccountCreated(deps, actor);
  return actor;
}

// What services/audit.ts recordAudit does, written here because audit.ts takes the Actor type
// from this module (an import cycle otherwise): recorded after the change, never thrown.
async function recordAccountCreated(deps: Deps, actor: Actor): Promise<void> {
  try {
    await insertAuditEvent(deps.db, {
      accountId: actor.accountId,
      at: deps.now(),
      actorUserId: actor.userId,
      actorEmail: actor.email,
      action: "account.create" satisfies AuditAction,
      targetType: "account",
      targetId: actor.accountId,
      detail: { reason: "belonged to no account" },
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  } catch (err) {
    deps.log.error("audit event not recorded", { err, action: "account.create" });
  }
}

/** 403 `forbidden_role` unless the actor's role has the right (contract/team.ts RIGHTS). */
export function requireRight(actor: Actor, right: Right): void {
  if (!can(actor.role, right))
    throw new ApiError(403, "forbidden_role", "Your role in this team does not allow this.");
}
