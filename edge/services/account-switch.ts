import type { AccountView } from "../contract/team.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { checkText } from "../protocol/check-name.ts";
import {
  type Membership,
  membershipIn,
  membershipsOf,
  renameAccount as renameAccountRow,
  setSessionAccount,
} from "../store/accounts.ts";
import { accountView } from "./account-view.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

// The accounts a person belongs to, which one a session acts in, and the account's name.

const view = (m: Membership, activeAccountId: string): AccountView =>
  accountView(m.account, m.role, m.account.id === activeAccountId);

/** Mine, those I own first; `active` marks the one this request acts in. */
export async function listMyAccounts(deps: Deps, actor: Actor): Promise<AccountView[]> {
  const mine = await membershipsOf(deps.db, actor.userId);
  return mine.map((m) => view(m, actor.accountId));
}

/**
 * This session acts in `accountId` from now on. An account the person does not belong to is a
 * 404, whether it exists or not. Other sessions of the person keep theirs.
 */
export async function switchAccount(
  deps: Deps,
  actor: Actor,
  sessionId: string,
  accountId: string,
): Promise<AccountView> {
  const membership = await membershipIn(deps.db, actor.userId, accountId);
  if (!membership) throw notFound("account");
  await setSessionAccount(deps.db, sessionId, accountId);
  deps.log.info("account switched", { accountId });
  return view(membership, accountId);
}

/** The owner names the account (it is shown to members and in invitations). */
export async function renameAccount(
  deps: Deps,
  actor: Actor,
  rawName: string,
): Promise<AccountView> {
  requireRight(actor, "account.own");
  const checked = checkText(rawName, "The name");
  if (!checked.ok)
    throw new ApiError(400, "invalid_input", checked.message, { name: checked.message });
  const before = await membershipIn(deps.db, actor.userId, actor.accountId);
  const account = await renameAccountRow(deps.db, actor.accountId, checked.name, deps.now());
  if (!before || !account) throw notFound("account");
  await recordAudit(
    deps,
    actor,
    "account.rename",
    { type: "account", id: account.id },
    { from: before.account.name, to: account.name },
  );
  return view({ ...before, account }, actor.accountId);
}
