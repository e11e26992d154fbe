import type { z } from "zod/mini";
import type { WorkEntryRow } from "../../db/schema.ts";
import type { LedgerQuery, WorkEntryView } from "../contract/ledger.ts";
import { csvRow } from "../export/csv.ts";
import { errorFields } from "../log/logger.ts";
import { listWorkEntries, type WorkFilter } from "../store/work-entries.ts";
import { type Actor, requireRight } from "./actor.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";

// Reading an employee's work ledger (issue 18): every member of the account sees it, newest
// first, filtered by kind, outcome, task and time, a page at a time (`before`: the start of the
// last entry shown) or as CSV streamed a batch at a time (as the audit log's CSV).

export const LEDGER_PAGE_DEFAULT = 100;
/** The most entries one CSV answer holds. */
export const LEDGER_CSV_MAX_ROWS = 10_000;
// What one D1 query reads while the CSV streams (entries are small: a title and numbers).
const CSV_BATCH = 500;
const MICRO_EUR_PER_CENT = 10_000;

export const LEDGER_CSV_HEADER = [
  "started_at",
  "ended_at",
  "duration_ms",
  "kind",
  "title",
  "outcome",
  "prompt_tokens",
  "completion_tokens",
  "cost_cents",
  "approvals",
  "approvals_denied",
  "conversation_id",
  "schedule_id",
  "id",
] as const;

type Query = z.output<typeof LedgerQuery>;

export function entryView(r: WorkEntryRow): WorkEntryView {
  return {
    id: r.id,
    employeeId: r.employeeId,
    kind: r.kind,
    title: r.title,
    conversationId: r.conversationId,
    scheduleId: r.scheduleId,
    startedAt: new Date(r.startedAt).toISOString(),
    endedAt: new Date(r.endedAt).toISOString(),
    durationMs: Math.max(0, r.endedAt - r.startedAt),
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    costCents: r.costMicroEur / MICRO_EUR_PER_CENT,
    outcome: r.outcome,
    approvals: r.approvals,
    approvalsDenied: r.approvalsDenied,
  };
}

export function entryCsvRow(r: WorkEntryRow): string {
  const v = entryView(r);
  return csvRow([
    v.startedAt,
    v.endedAt,
    v.durationMs,
    v.kind,
    v.title,
    v.outcome,
    v.promptTokens,
    v.completionTokens,
    v.costCents,
    v.approvals,
    v.approvalsDenied,
    v.conversationId,
    v.scheduleId,
    v.id,
  ]);
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

function filterOf(employeeId: string, q: Query): Omit<WorkFilter, "limit"> {
  return {
    employeeId,
    kind: q.kind,
    outcome: q.outcome,
    scheduleId: q.scheduleId,
    from: ms(q.from),
    to: ms(q.to),
    before: ms(q.before),
  };
}

export async function listLedger(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  q: Query,
): Promise<{ entries: WorkEntryView[] }> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "work.read");
  const rows = await listWorkEntries(deps.db, {
    ...filterOf(employeeId, q),
    limit: q.limit ?? LEDGER_PAGE_DEFAULT,
  });
  return { entries: rows.map(entryView) };
}

/** Up to LEDGER_CSV_MAX_ROWS entries as CSV (header first), read a batch per pull. */
export async function ledgerCsv(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  q: Query,
): Promise<ReadableStream<Uint8Array>> {
  await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "work.read");
  const filter = filterOf(employeeId, q);
  const encoder = new TextEncoder();
  let cursor: { at: number; id: string } | undefined;
  let left = Math.min(q.limit ?? LEDGER_CSV_MAX_ROWS, LEDGER_CSV_MAX_ROWS);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(LEDGER_CSV_HEADER)));
    },
    async pull(controller) {
      try {
        const batch = await listWorkEntries(deps.db, {
          ...filter,
          ...(cursor ? { before: cursor.at, beforeId: cursor.id } : {}),
          limit: Math.min(CSV_BATCH, left),
        });
        left -= batch.length;
        if (batch.length) controller.enqueue(encoder.encode(batch.map(entryCsvRow).join("")));
        const last = batch.at(-1);
        if (!last || batch.length < CSV_BATCH || left <= 0) controller.close();
        else cursor = { at: last.startedAt, id: last.id };
      } catch (err) {
        deps.log.warn("ledger CSV cut short", errorFields(err));
        controller.error(err);
      }
    },
  });
}
