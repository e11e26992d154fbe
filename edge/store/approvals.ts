import { and, desc, eq, gt, inArray, lte, ne, or, sql } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import {
  type ApprovalRow,
  approvals,
  employees,
  memberships,
  schedules,
  users,
} from "../../db/schema.ts";
import type { ApprovalDecision, ApprovalStatus, ApprovalView } from "../contract/approvals.ts";

// What employees asked a person before doing (issue 18), plain functions over D1. Every change
// of status is one conditional UPDATE on `status = 'pending'`, so of two decisions (two people,
// a person and OpenClaw's own expiry, the cron) exactly one moves a row.

/** A row with what its view needs from other tables. */
export interface ApprovalListed extends ApprovalRow {
  employeeName: string;
  decidedByEmail: string | null;
}

/** The decision's status: allowed once or always, or denied. */
export const statusOf = (decision: ApprovalDecision): ApprovalStatus =>
  decision === "deny" ? "denied" : "allowed";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API's approval. The conversation's title lives in the employee's inbox (its object). */
export function toApprovalView(
  row: ApprovalListed,
  conversationTitle: string | null,
): ApprovalView {
  return {
    id: row.id,
    employeeId: row.employeeId,
    employeeName: row.employeeName,
    action: row.action,
    details: row.details,
    conversationId: row.conversationId,
    conversationTitle: row.conversationId ? conversationTitle : null,
    scheduleId: row.scheduleId,
    status: row.status,
    decision: row.decision,
    reason: row.reason,
    decidedBy: row.decidedByEmail,
    requestedAt: new Date(row.requestedAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    decidedAt: iso(row.decidedAt),
  };
}

export type NewApproval = Omit<
  ApprovalRow,
  "status" | "decision" | "reason" | "decidedBy" | "decidedAt"
>;

/** Stores a request; null when this employee's OpenClaw asked it before (sent again). */
export async function insertApproval(
  d1: D1Database,
  row: NewApproval,
): Promise<ApprovalRow | null> {
  const [inserted] = await openDb(d1)
    .insert(approvals)
    .values(row)
    .onConflictDoNothing({ target: [approvals.employeeId, approvals.openclawId] })
    .returning();
  return inserted ?? null;
}

const listedColumns = {
  row: approvals,
  employeeName: employees.name,
  decidedByEmail: users.email,
};

async function listed(
  d1: D1Database,
  where: ReturnType<typeof and>,
  limit: number,
): Promise<ApprovalListed[]> {
  const rows = await openDb(d1)
    .select(listedColumns)
    .from(approvals)
    .innerJoin(employees, eq(employees.id, approvals.employeeId))
    .leftJoin(users, eq(users.id, approvals.decidedBy))
    .where(where)
    .orderBy(desc(approvals.requestedAt), desc(approvals.id))
    .limit(limit);
  return rows.map((r) => ({
    ...r.row,
    employeeName: r.employeeName,
    decidedByEmail: r.decidedByEmail,
  }));
}

export async function getApproval(d1: D1Database, id: string): Promise<ApprovalListed | null> {
  const [row] = await listed(d1, and(eq(approvals.id, id)), 1);
  return row ?? null;
}

/** The account's pending approvals, and with `decidedSince` those decided after it, newest first. */
export function listApprovals(
  d1: D1Database,
  accountId: string,
  filter: { decidedSince: number | null; employeeId?: string },
  limit: number,
): Promise<ApprovalListed[]> {
  const pending = eq(approvals.status, "pending");
  return listed(
    d1,
    and(
      eq(approvals.accountId, accountId),
      filter.employeeId ? eq(approvals.employeeId, filter.employeeId) : undefined,
      filter.decidedSince === null
        ? pending
        : or(pending, gt(approvals.decidedAt, filter.decidedSince)),
    ),
    limit,
  );
}

/**
 * A person's decision: only while the row is pending and has not expired (the first decision
 * wins). The row as it is now, or null when it was no longer open.
 */
export async function decideApproval(
  d1: D1Database,
  input: {
    id: string;
    accountId: string;
    decision: ApprovalDecision;
    reason: string | null;
    decidedBy: string;
  },
  now: number,
): Promise<ApprovalRow | null> {
  const [row] = await openDb(d1)
    .update(approvals)
    .set({
      status: statusOf(input.decision),
      decision: input.decision,
      reason: input.reason,
      decidedBy: input.decidedBy,
      decidedAt: now,
    })
    .where(
      and(
        eq(approvals.id, input.id),
        eq(approvals.accountId, input.accountId),
        eq(approvals.status, "pending"),
        gt(approvals.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

/**
 * OpenClaw settled a request (decided in its own UI, or it expired): recorded only if no one
 * decided it here first. Null when nothing changed.
 */
export async function settleApproval(
  d1: D1Database,
  input: {
    employeeId: string;
    openclawId: string;
    status: ApprovalStatus;
    decision: ApprovalDecision | null;
  },
  now: number,
): Promise<ApprovalRow | null> {
  const [row] = await openDb(d1)
    .update(approvals)
    .set({ status: input.status, decision: input.decision, decidedAt: now })
    .where(
      and(
        eq(approvals.employeeId, input.employeeId),
        eq(approvals.openclawId, input.openclawId),
        eq(approvals.status, "pending"),
      ),
    )
    .returning();
  return row ?? null;
}

/**
 * OpenClaw no longer held a request a person decided (it expired there first, or the container
 * restarted): the decision never took effect, so it reads as expired.
 */
export async function markApprovalExpired(
  d1: D1Database,
  id: string,
  now: number,
): Promise<ApprovalRow | null> {
  const [row] = await openDb(d1)
    .update(approvals)
    .set({ status: "expired", decidedAt: sql`coalesce(${approvals.decidedAt}, ${now})` })
    .where(and(eq(approvals.id, id), ne(approvals.status, "expired")))
    .returning();
  return row ?? null;
}

/** Pending rows past their time become expired (OpenClaw's own fallback denied them). */
export async function expireDueApprovals(
  d1: D1Database,
  now: number,
  limit: number,
): Promise<ApprovalRow[]> {
  const due = openDb(d1)
    .select({ id: approvals.id })
    .from(approvals)
    .where(and(eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
    .limit(limit);
  return openDb(d1)
    .update(approvals)
    .set({ status: "expired", decidedAt: now })
    .where(and(inArray(approvals.id, due), eq(approvals.status, "pending")))
    .returning();
}

/** The statuses of an employee's last `n` decided approvals, newest first. */
export async function recentOutcomes(
  d1: D1Database,
  employeeId: string,
  n: number,
): Promise<ApprovalStatus[]> {
  const rows = await openDb(d1)
    .select({ status: approvals.status })
    .from(approvals)
    .where(and(eq(approvals.employeeId, employeeId), ne(approvals.status, "pending")))
    .orderBy(desc(approvals.decidedAt), desc(approvals.requestedAt))
    .limit(n);
  return rows.map((r) => r.status);
}

/** Who may decide the account's approvals: the owner, admins and members granted it. */
export async function approvalDeciders(
  d1: D1Database,
  accountId: string,
): Promise<{ userId: string; email: string }[]> {
  return openDb(d1)
    .select({ userId: users.id, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.accountId, accountId),
        or(inArray(memberships.role, ["owner", "admin"]), eq(memberships.canApprove, true)),
      ),
    );
}

/** Whether a member of the account was granted deciding approvals. */
export async function canApproveGranted(
  d1: D1Database,
  accountId: string,
  userId: string,
): Promise<boolean> {
  const [row] = await openDb(d1)
    .select({ canApprove: memberships.canApprove })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .limit(1);
  return row?.canApprove ?? false;
}

/** Whether the employee has this scheduled task (a session's task id is only a claim). */
export async function isScheduleOf(
  d1: D1Database,
  employeeId: string,
  scheduleId: string,
): Promise<boolean> {
  const [row] = await openDb(d1)
    .select({ id: schedules.id })
    .from(schedules)
    .where(and(eq(schedules.id, scheduleId), eq(schedules.employeeId, employeeId)))
    .limit(1);
  return row !== undefined;
}

/** How many of the employee's requests, stored before this one, still wait for a decision (in
 * the order D1 stored them, so concurrent requests each see a different number). */
export async function pendingBefore(
  d1: D1Database,
  employeeId: string,
  approvalId: string,
): Promise<number> {
  const row = await d1
    .prepare(
      `SELECT count(*) AS n FROM approvals
       WHERE employee_id = ?1 AND status = 'pending'
         AND rowid < (SELECT rowid FROM approvals WHERE id = ?2)`,
    )
    .bind(employeeId, approvalId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
