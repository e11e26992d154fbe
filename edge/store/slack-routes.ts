import { and, eq } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { slackRoutes } from "../../db/schema.ts";

// Which employee owns a Slack thread or direct message (db/slack-routes), so follow-ups stay
// with the employee who answered.

export async function getSlackRoute(
  d1: D1Database,
  teamId: string,
  conversationKey: string,
): Promise<string | null> {
  const [row] = await openDb(d1)
    .select({ employeeId: slackRoutes.employeeId })
    .from(slackRoutes)
    .where(and(eq(slackRoutes.teamId, teamId), eq(slackRoutes.conversationKey, conversationKey)))
    .limit(1);
  return row?.employeeId ?? null;
}

/** Gives the conversation to the employee (the first one to claim it keeps it). */
export async function putSlackRoute(
  d1: D1Database,
  teamId: string,
  conversationKey: string,
  employeeId: string,
  now: number,
): Promise<void> {
  await openDb(d1)
    .insert(slackRoutes)
    .values({ teamId, conversationKey, employeeId, createdAt: now })
    .onConflictDoNothing();
}

/** The team's routes go when its installation goes. */
export async function deleteSlackRoutesOfTeam(d1: D1Database, teamId: string): Promise<void> {
  await openDb(d1).delete(slackRoutes).where(eq(slackRoutes.teamId, teamId));
}
