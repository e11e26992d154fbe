import type { AccountRow } from "../../db/schema.ts";
import { ApiError } from "../http/api-error.ts";

// An account whose owner asked to delete it takes nobody and nothing new during the grace: no
// hire (the cron would only hold it) and no one joins (they would lose it within days). The
// owner restores it first (POST /api/account/restore).
export function refuseWhileDeletionScheduled(
  account: Pick<AccountRow, "deletionRequestedAt">,
  what: string,
): void {
  if (account.deletionRequestedAt !== null)
    throw new ApiError(
      409,
      "invalid_state",
      `${what}: the team is scheduled for deletion. Its owner can cancel that on the Account page.`,
    );
}
