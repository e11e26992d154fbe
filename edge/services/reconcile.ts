import { and, inArray, lt } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { deleteStaleLoginTokens } from "../auth/magic-links.ts";
import { deleteExpiredSessions } from "../auth/sessions.ts";
import { employeeStub } from "../objects/stubs.ts";
import { enforceExpired } from "./billing-enforcement.ts";
import type { Deps } from "./deps.ts";

// An employee in a transitional status whose mirror has not changed for this long is asked to
// reconcile: its object re-arms or fires the alarm that should be driving it. The alarm is the
// primary mechanism; this is the net under it.
export const STUCK_AFTER_MS = 5 * 60_000;
export const RECONCILE_BATCH = 100;
const TRANSITIONAL = [
  "none",
  "provisioning",
  "restarting",
  "stopping",
  "removing",
  "unhealthy",
] as const;

export async function reconcileStuckEmployees(deps: Deps): Promise<number> {
  const stuck = await deps.db
    .select({ id: employees.id })
    .from(employees)
    .where(
      and(
        inArray(employees.status, [...TRANSITIONAL]),
        lt(employees.updatedAt, deps.now() - STUCK_AFTER_MS),
      ),
    )
    .limit(RECONCILE_BATCH);
  const results = await Promise.allSettled(
    stuck.map(({ id }) => employeeStub(deps.env, id).reconcile()),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (stuck.length) deps.log.info("reconciled stuck employees", { count: stuck.length, failed });
  return stuck.length;
}

// `now` is the cron's scheduled time: what the cron decides is about that moment (and a test
// can hand it any moment it likes).
export async function runCron(deps: Deps, now = deps.now()): Promise<void> {
  await reconcileStuckEmployees(deps);
  await enforceExpired(deps, now);
  await deleteExpiredSessions(deps);
  await deleteStaleLoginTokens(deps);
}
