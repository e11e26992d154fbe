import { eq } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { type SlackInstallationRow, slackInstallations } from "../../db/schema.ts";

// Slack workspaces installed through "Add to Slack" (db/slack-installations): one per team, of
// one account.

export async function getSlackInstallation(
  d1: D1Database,
  teamId: string,
): Promise<SlackInstallationRow | null> {
  const [row] = await openDb(d1)
    .select()
    .from(slackInstallations)
    .where(eq(slackInstallations.teamId, teamId))
    .limit(1);
  return row ?? null;
}

export async function listSlackInstallations(
  d1: D1Database,
  accountId: string,
): Promise<SlackInstallationRow[]> {
  return openDb(d1)
    .select()
    .from(slackInstallations)
    .where(eq(slackInstallations.accountId, accountId));
}

export type SlackInstallationWrite = Omit<SlackInstallationRow, "createdAt" | "updatedAt">;

/**
 * Stores a team's installation, or refreshes it for the same account. Answers the row as it is
 * after; when the team is another account's, that row is left alone and answered (the caller
 * compares accountId and answers 409).
 */
export async function putSlackInstallation(
  d1: D1Database,
  i: SlackInstallationWrite,
  now: number,
): Promise<SlackInstallationRow> {
  const { teamId: _t, accountId, ...changes } = i;
  const db = openDb(d1);
  await db
    .insert(slackInstallations)
    .values({ ...i, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: slackInstallations.teamId,
      set: { ...changes, updatedAt: now },
      setWhere: eq(slackInstallations.accountId, accountId),
    });
  const row = await getSlackInstallation(d1, i.teamId);
  if (!row) throw new Error("slack installation not written");
  return row;
}

export async function deleteSlackInstallation(d1: D1Database, teamId: string): Promise<void> {
  await openDb(d1).delete(slackInstallations).where(eq(slackInstallations.teamId, teamId));
}
