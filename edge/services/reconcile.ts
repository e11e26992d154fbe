import { and, inArray, lt } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { deleteStaleLoginTokens } from "../auth/magic-links.ts";
import { deleteExpiredSessions } from "../auth/sessions.ts";
import { AUDIT_RETENTION_DAYS } from "../contract/audit.ts";
import { errorFields } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { runSnapshotRetention } from "../snapshots/snapshot-cron.ts";
import { deleteAuditEventsBefore } from "../store/audit.ts";
import { deleteSettledInvitations } from "../store/invitations.ts";
import { holdAccountsAwaitingDeletion, purgeDeletedAccounts } from "./account-deletion.ts";
import { expireApprovals } from "./approvals.ts";
import { scheduleBackups } from "./backups.ts";
import { enforceExpired } from "./billing-enforcement.ts";
import type { Deps } from "./deps.ts";
import { resumeLastMonthsSpent } from "./employee-budget.ts";
import { runExportCron } from "./export-workspaces.ts";
import { sendWeeklyReports } from "./weekly-report.ts";

// An employee in a transitional status whose mirror has not changed for this long is asked to
// reconcile: its object re-arms or fires the alarm that should be driving it. The alarm is the
// primary mechanism; this is the net under it.
export const STUCK_AFTER_MS = 5 * 60_000;
export const RECONCILE_BATCH = 100;
// Spent, revoked and expired invitations are kept this long (the app says why a link failed),
// then dropped; the audit log keeps their story.
export const SETTLED_INVITATION_KEEP_MS = 30 * 86_400_000;
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

const DAY_MS = 86_400_000;

/** The audit log keeps a year (AUDIT_RETENTION_DAYS): older events go, every account's. */
export async function dropExpiredAuditEvents(deps: Deps, now: number): Promise<number> {
  const dropped = await deleteAuditEventsBefore(deps.db, now - AUDIT_RETENTION_DAYS * DAY_MS);
  if (dropped) deps.log.info("audit events past retention dropped", { count: dropped });
  return dropped;
}

// The account's life cycle runs beside the rest: one of its steps failing (Stripe down, R2
// slow) is logged and retried on the next run, and never keeps the others from running.
async function step(deps: Deps, name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    deps.log.error("cron step failed", { step: name, ...errorFields(err) });
  }
}

// `now` is the cron's scheduled time: what the cron decides is about that moment (and a test
// can hand it any moment it likes).
export async function runCron(deps: Deps, now = deps.now()): Promise<void> {
  await reconcileStuckEmployees(deps);
  await enforceExpired(deps, now);
  await deleteExpiredSessions(deps);
  await deleteStaleLoginTokens(deps);
  await step(deps, "audit retention", () => dropExpiredAuditEvents(deps, now));
  await step(deps, "settled invitations", () =>
    deleteSettledInvitations(deps.db, now - SETTLED_INVITATION_KEEP_MS),
  );
  await step(deps, "deletion holds", () => holdAccountsAwaitingDeletion(deps, now));
  await step(deps, "account purge", () => purgeDeletedAccounts(deps, now));
  await step(deps, "exports", () => runExportCron(deps, now));
  // Snapshot store: timeouts, retention per plan, pack collection, fired employees' snapshots.
  await step(deps, "snapshot retention", () => runSnapshotRetention(deps.env, deps.log, now));
  await step(deps, "scheduled backups", () => scheduleBackups(deps, now));
  await step(deps, "approvals expiry", () => expireApprovals(deps, now));
  // Issue 18: last week's report card, Monday from 08:00 in each account's time zone.
  await step(deps, "weekly reports", () => sendWeeklyReports(deps, now));
  await step(deps, "budgets of a new month", () => resumeLastMonthsSpent(deps, now));
}
