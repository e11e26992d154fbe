import type { AccountRow } from "../../db/schema.ts";
import { stripeClient } from "../billing/stripe-client.ts";
import { ACCOUNT_DELETION_GRACE_DAYS } from "../contract/account-lifecycle.ts";
import type { AccountView } from "../contract/team.ts";
import { ApiError } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { purgeAccountSnapshots } from "../snapshots/snapshot-cron.ts";
import {
  accountsAwaitingDeletion,
  accountsDueForDeletion,
  clearDeletionRequest,
  deleteAccountRows,
  employeeIdsOf,
  knowledgeKeysOf,
  markDeletionRequested,
} from "../store/account-deletion.ts";
import { accountExportsPrefix } from "../store/exports.ts";
import { deleteR2Keys, deleteR2Prefix } from "../store/r2-objects.ts";
import { accountView } from "./account-view.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { enforceBilling } from "./billing-enforcement.ts";
import type { Deps } from "./deps.ts";

// Deleting an account (owner only): DELETE /api/account schedules it and stops every employee at
// once (a billing-style hold with ACCOUNT_DELETION_HOLD_REASON, through billing's one decision,
// enforceBilling); POST /api/account/restore cancels within the grace and lets them run again.
// After ACCOUNT_DELETION_GRACE_DAYS the cron purges it: every employee is fired the way a person
// fires one (keys revoked, container and disk removed on the node), its files in R2 go, the
// Stripe customer is deleted (which cancels any subscription), and its rows go last, so an
// interrupted purge finds the account again on the next run and picks up where it stopped.

const DAY_MS = 86_400_000;
export const ACCOUNT_DELETION_GRACE_MS = ACCOUNT_DELETION_GRACE_DAYS * DAY_MS;
/** Accounts one cron run purges; the rest wait for the next run. */
export const ACCOUNT_PURGE_BATCH = 5;
/**
 * How long the purge waits for nodes to remove fired employees' containers before it deletes the
 * account anyway. An employee object keeps its removal queued for a node that is away, and does
 * it when the node is back.
 */
export const EMPLOYEE_REMOVAL_WAIT_MS = 60 * 60_000;

export const knowledgePrefix = (accountId: string) => `knowledge/${accountId}/`;

const viewOf = (row: AccountRow, actor: Actor): AccountView => accountView(row, actor.role, true);

export async function scheduleDeletion(deps: Deps, actor: Actor): Promise<AccountView> {
  requireRight(actor, "account.own");
  const now = deps.now();
  const row = await markDeletionRequested(deps.db, actor.accountId, now);
  if (!row)
    throw new ApiError(409, "invalid_state", "The account is already scheduled for deletion.");
  await enforceBilling(deps, actor.accountId, now);
  const view = viewOf(row, actor);
  await recordAudit(
    deps,
    actor,
    "account.delete_request",
    { type: "account", id: row.id },
    {
      deletionScheduledFor: view.deletionScheduledFor,
    },
  );
  deps.log.info("account deletion scheduled", { accountId: row.id });
  return view;
}

export async function cancelDeletion(deps: Deps, actor: Actor): Promise<AccountView> {
  requireRight(actor, "account.own");
  const now = deps.now();
  const row = await clearDeletionRequest(
    deps.db,
    actor.accountId,
    now - ACCOUNT_DELETION_GRACE_MS,
    now,
  );
  if (!row) throw new ApiError(409, "invalid_state", "The account is not scheduled for deletion.");
  // Billing decides again from the account as it now is: what the deletion held runs again,
  // within the plan.
  await enforceBilling(deps, actor.accountId, now);
  await recordAudit(deps, actor, "account.delete_cancel", { type: "account", id: row.id });
  deps.log.info("account deletion canceled", { accountId: row.id });
  return viewOf(row, actor);
}

/**
 * The cron's part during the grace: an employee hired or started since the request is held too
 * (billing's decision holds every employee of an account scheduled for deletion).
 */
export async function holdAccountsAwaitingDeletion(deps: Deps, now: number): Promise<void> {
  const ids = await accountsAwaitingDeletion(deps.db, now - ACCOUNT_DELETION_GRACE_MS, 100);
  for (const id of ids) await enforceBilling(deps, id, now);
}

/** The cron's purge of accounts whose grace ended; returns the accounts deleted this run. */
export async function purgeDeletedAccounts(deps: Deps, now: number): Promise<number> {
  const cutoff = now - ACCOUNT_DELETION_GRACE_MS;
  const due = await accountsDueForDeletion(deps.db, cutoff, ACCOUNT_PURGE_BATCH);
  let deleted = 0;
  for (const account of due) {
    try {
      if (await purgeAccount(deps, account, cutoff, now)) deleted++;
    } catch (err) {
      deps.log.error("account purge failed; retried on the next run", {
        accountId: account.id,
        ...errorFields(err),
      });
    }
  }
  return deleted;
}

async function purgeAccount(
  deps: Deps,
  account: AccountRow,
  cutoff: number,
  now: number,
): Promise<boolean> {
  const log = deps.log.child({ accountId: account.id });
  // 1. Fire everyone (again, on a retry: firing is idempotent). An employee that never reached a
  // node is forgotten at once; the others once their node has removed container and disk.
  const team = await employeeIdsOf(deps.db, account.id);
  const fired = await Promise.allSettled(team.map((id) => employeeStub(deps.env, id).remove(id)));
  const failed = fired.filter((r) => r.status === "rejected").length;
  const left = (await employeeIdsOf(deps.db, account.id)).length;
  const graceEnded = (account.deletionRequestedAt ?? now) + ACCOUNT_DELETION_GRACE_MS;
  if (left > 0 && now < graceEnded + EMPLOYEE_REMOVAL_WAIT_MS) {
    log.info("account purge waits for employees to be removed", { left, failed });
    return false;
  }
  if (left > 0) log.warn("deleting the account before its nodes removed every employee", { left });

  // 2. Its files: knowledge by the rows' keys and by prefix (nothing of it outside either), and
  // every export.
  await deleteR2Keys(deps.env.KNOWLEDGE, await knowledgeKeysOf(deps.db, account.id));
  const objects =
    (await deleteR2Prefix(deps.env.KNOWLEDGE, knowledgePrefix(account.id))) +
    (await deleteR2Prefix(deps.env.KNOWLEDGE, accountExportsPrefix(account.id))) +
    // Snapshots: the account's data key first (crypto-shredding), then its packs and manifests.
    (await purgeAccountSnapshots(deps.env, account.id));

  // 3. Stripe: the customer goes, and its subscriptions with it. Until Stripe confirms, the row
  // (which names the customer) stays, and the next run tries again.
  if (account.stripeCustomerId) await deleteStripeCustomer(deps, account.stripeCustomerId);

  // 4. The rows, last.
  const gone = await deleteAccountRows(deps.db, account.id, cutoff);
  log.info("account deleted", { employees: team.length, objects, rowsDeleted: gone });
  return gone;
}

async function deleteStripeCustomer(deps: Deps, customerId: string): Promise<void> {
  try {
    await stripeClient(deps.config).customers.del(customerId);
  } catch (err) {
    // Deleted before (a run that stopped after Stripe answered): nothing left to do.
    const e = err as { statusCode?: number; code?: string };
    if (e.statusCode === 404 && e.code === "resource_missing") return;
    throw err;
  }
}
