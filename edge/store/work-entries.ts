import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { approvals, llmUsage, type WorkEntryRow, workEntries } from "../../db/schema.ts";
import type { WorkKind, WorkOutcome } from "../contract/ledger.ts";

// The work ledger's rows (issue 18) and the figures written into them: the gateway's metering
// (llm_usage) and the approvals (approvals) of the employee over a run's time. Plain functions;
// who writes an entry when is objects/work-ledger.ts's, who reads it services/ledger.ts's.

/** Tokens and cost of one piece of work. */
export interface WorkFigures {
  promptTokens: number;
  completionTokens: number;
  costMicroEur: number;
  approvals: number;
  approvalsDenied: number;
}

/** Recorded once per employee and run key: false when it already was. */
export async function insertWorkEntry(db: Db, row: WorkEntryRow): Promise<boolean> {
  const inserted = await db
    .insert(workEntries)
    .values(row)
    .onConflictDoNothing({ target: [workEntries.employeeId, workEntries.runKey] })
    .returning({ id: workEntries.id })
    .all();
  return inserted.length > 0;
}

export async function setWorkFigures(
  db: Db,
  employeeId: string,
  runKey: string,
  figures: WorkFigures,
): Promise<void> {
  await db
    .update(workEntries)
    .set(figures)
    .where(and(eq(workEntries.employeeId, employeeId), eq(workEntries.runKey, runKey)));
}

/** Where the approvals of one piece of work are found: its conversation, or its task. */
export type ApprovalScope =
  | { conversationId: string }
  | { scheduleId: string }
  | { sessionKey: string };

/**
 * The employee's metering and approvals with their time in [from, to]. Concurrent work of one
 * employee (two conversations answering at once) shares a window: each counts the other's tokens.
 */
export async function figuresInWindow(
  db: Db,
  employeeId: string,
  scope: ApprovalScope | null,
  from: number,
  to: number,
): Promise<WorkFigures> {
  // The month (llm_usage.month, UTC) narrows the scan to the index's (employee, month) range.
  const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);
  const months = [...new Set([month(from), month(to)])];
  const usage = await db
    .select({
      promptTokens: sql<number>`coalesce(sum(${llmUsage.promptTokens}), 0)`,
      completionTokens: sql<number>`coalesce(sum(${llmUsage.completionTokens}), 0)`,
      costMicroEur: sql<number>`coalesce(sum(${llmUsage.costMicroEur}), 0)`,
    })
    .from(llmUsage)
    .where(
      and(
        eq(llmUsage.employeeId, employeeId),
        inArray(llmUsage.month, months),
        gte(llmUsage.createdAt, from),
        lte(llmUsage.createdAt, to),
      ),
    )
    .get();
  const asked = scope
    ? await db
        .select({
          count: sql<number>`count(*)`,
          denied: sql<number>`coalesce(sum(${approvals.status} IN ('denied', 'expired')), 0)`,
        })
        .from(approvals)
        .where(
          and(
            eq(approvals.employeeId, employeeId),
            scopeOf(scope),
            gte(approvals.requestedAt, from),
            lte(approvals.requestedAt, to),
          ),
        )
        .get()
    : undefined;
  return {
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    costMicroEur: usage?.costMicroEur ?? 0,
    approvals: asked?.count ?? 0,
    approvalsDenied: asked?.denied ?? 0,
  };
}

function scopeOf(scope: ApprovalScope): SQL {
  if ("conversationId" in scope) return eq(approvals.conversationId, scope.conversationId);
  if ("scheduleId" in scope) return eq(approvals.scheduleId, scope.scheduleId);
  return eq(approvals.sessionKey, scope.sessionKey);
}

export interface WorkFilter {
  employeeId: string;
  kind?: WorkKind | undefined;
  outcome?: WorkOutcome | undefined;
  scheduleId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  /** Strictly older than this start (with `beforeId`: or at it, with a lower id). */
  before?: number | undefined;
  beforeId?: string | undefined;
  limit: number;
}

/** Newest first (by start, then id: a keyset that skips none). */
export async function listWorkEntries(db: Db, f: WorkFilter): Promise<WorkEntryRow[]> {
  return db
    .select()
    .from(workEntries)
    .where(whereOf(f))
    .orderBy(desc(workEntries.startedAt), desc(workEntries.id))
    .limit(f.limit)
    .all();
}

function whereOf(f: WorkFilter): SQL | undefined {
  const where: SQL[] = [eq(workEntries.employeeId, f.employeeId)];
  if (f.kind) where.push(eq(workEntries.kind, f.kind));
  if (f.outcome) where.push(eq(workEntries.outcome, f.outcome));
  if (f.scheduleId) where.push(eq(workEntries.scheduleId, f.scheduleId));
  if (f.from !== undefined) where.push(gte(workEntries.startedAt, f.from));
  if (f.to !== undefined) where.push(lt(workEntries.startedAt, f.to));
  if (f.before !== undefined) {
    const older = lt(workEntries.startedAt, f.before);
    where.push(
      f.beforeId === undefined
        ? older
        : (or(older, and(eq(workEntries.startedAt, f.before), lt(workEntries.id, f.beforeId))) ??
            older),
    );
  }
  return and(...where);
}

/** Each task's latest run: when it started and how it ended. */
export async function lastRuns(
  db: Db,
  employeeId: string,
): Promise<Map<string, { at: number; outcome: WorkOutcome }>> {
  const rows = await db
    .select({
      scheduleId: workEntries.scheduleId,
      at: sql<number>`max(${workEntries.startedAt})`,
      outcome: workEntries.outcome,
    })
    .from(workEntries)
    .where(and(eq(workEntries.employeeId, employeeId), eq(workEntries.kind, "schedule")))
    .groupBy(workEntries.scheduleId)
    .all();
  // SQLite's bare column beside max() comes from the row holding the max.
  return new Map(rows.flatMap((r) => (r.scheduleId ? [[r.scheduleId, r]] : [])));
}

/** The sums of one employee's (or every employee's) entries that started in [from, to). */
export interface WorkSums {
  employeeId: string;
  kind: WorkKind;
  outcome: WorkOutcome;
  count: number;
  promptTokens: number;
  completionTokens: number;
  costMicroEur: number;
  approvals: number;
  approvalsDenied: number;
}

export async function workSums(
  db: Db,
  accountId: string,
  from: number,
  to: number,
  employeeId?: string,
): Promise<WorkSums[]> {
  return db
    .select({
      employeeId: workEntries.employeeId,
      kind: workEntries.kind,
      outcome: workEntries.outcome,
      count: sql<number>`count(*)`,
      promptTokens: sql<number>`sum(${workEntries.promptTokens})`,
      completionTokens: sql<number>`sum(${workEntries.completionTokens})`,
      costMicroEur: sql<number>`sum(${workEntries.costMicroEur})`,
      approvals: sql<number>`sum(${workEntries.approvals})`,
      approvalsDenied: sql<number>`sum(${workEntries.approvalsDenied})`,
    })
    .from(workEntries)
    .where(
      and(
        eq(workEntries.accountId, accountId),
        employeeId ? eq(workEntries.employeeId, employeeId) : undefined,
        gte(workEntries.startedAt, from),
        lt(workEntries.startedAt, to),
      ),
    )
    .groupBy(workEntries.employeeId, workEntries.kind, workEntries.outcome)
    .all();
}
