import type { AccountRow } from "../../db/schema.ts";
import { ACCOUNT_DELETION_GRACE_DAYS } from "../contract/account-lifecycle.ts";
import type { AccountView, TeamRole } from "../contract/team.ts";

const DAY_MS = 86_400_000;

/** The API's account (contract/team.ts AccountView), for every verb that answers one. */
export function accountView(account: AccountRow, role: TeamRole, active: boolean): AccountView {
  return {
    id: account.id,
    name: account.name,
    role,
    active,
    timeZone: account.timeZone,
    deletionScheduledFor:
      account.deletionRequestedAt === null
        ? null
        : new Date(
            account.deletionRequestedAt + ACCOUNT_DELETION_GRACE_DAYS * DAY_MS,
          ).toISOString(),
  };
}
