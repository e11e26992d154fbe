import { eq } from "drizzle-orm";
import { accounts } from "../../db/schema.ts";
import type { AccountView } from "../contract/team.ts";
import { notFound } from "../http/api-error.ts";
import { membershipIn } from "../store/accounts.ts";
import { accountView } from "./account-view.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

// The account's time zone (issue 18): the weeks of its report cards and when the Monday email
// goes. Only the owner sets it (the contract checked it names a zone the runtime knows).

export async function setAccountTimeZone(
  deps: Deps,
  actor: Actor,
  timeZone: string,
): Promise<AccountView> {
  requireRight(actor, "account.own");
  const before = await membershipIn(deps.db, actor.userId, actor.accountId);
  if (!before) throw notFound("account");
  const account = await deps.db
    .update(accounts)
    .set({ timeZone, updatedAt: deps.now() })
    .where(eq(accounts.id, actor.accountId))
    .returning()
    .get();
  if (!account) throw notFound("account");
  if (before.account.timeZone !== timeZone)
    await recordAudit(
      deps,
      actor,
      "account.time_zone",
      { type: "account", id: account.id },
      { from: before.account.timeZone, to: timeZone },
    );
  return accountView(account, before.role, true);
}
