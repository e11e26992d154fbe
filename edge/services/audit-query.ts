import type { z } from "zod";
import type { AuditEventRow } from "../../db/schema.ts";
import type { AuditEventView, AuditQuery } from "../contract/audit.ts";
import { csvRow } from "../export/csv.ts";
import { errorFields } from "../log/logger.ts";
import { type AuditFilter, listAuditEvents, listAuditKeys } from "../store/audit.ts";
import { type Actor, requireRight } from "./actor.ts";
import type { Deps } from "./deps.ts";

// Reading the audit log (GET /api/audit): the owner and admins of an account see its events,
// newest first, filtered by action, actor (email) and time, a page at a time or as CSV. A person
// sees only the account they act in; nobody reads another account's log.

export const AUDIT_PAGE_DEFAULT = 100;
/** The most events one CSV answer holds; `X-Next-Before` says where the rest starts. */
export const AUDIT_CSV_MAX_ROWS = 10_000;
// What one D1 query reads while the export's audit.csv is assembled.
const CSV_BATCH = 500;
// What one D1 query reads while GET /api/audit?format=csv streams: a batch is held as text while
// it is sent, and a knowledge.upload row's detail can reach 40 KB.
const CSV_STREAM_BATCH = 100;
// Events recorded within the same millisecond can outnumber a page only by accident (the system
// holding a whole team at once); a page then takes them all, up to this many.
const SAME_MOMENT_MAX = 5_000;

export const AUDIT_CSV_HEADER = [
  "at",
  "actor_email",
  "actor_user_id",
  "action",
  "target_type",
  "target_id",
  "detail",
  "ip",
  "user_agent",
  "id",
] as const;

type Query = z.output<typeof AuditQuery>;

export function auditView(r: AuditEventRow): AuditEventView {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor:
      r.actorUserId === null && r.actorEmail === null
        ? null
        : { userId: r.actorUserId, email: r.actorEmail },
    action: r.action,
    target: r.targetType === null ? null : { type: r.targetType, id: r.targetId },
    detail: r.detail ?? null,
    ip: r.ip,
    userAgent: r.userAgent,
  };
}

export function auditCsvRow(r: AuditEventRow): string {
  return csvRow([
    new Date(r.at).toISOString(),
    r.actorEmail,
    r.actorUserId,
    r.action,
    r.targetType,
    r.targetId,
    r.detail ? JSON.stringify(r.detail) : null,
    r.ip,
    r.userAgent,
    r.id,
  ]);
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

function filterOf(actor: Actor, q: Query): Omit<AuditFilter, "limit"> {
  return {
    accountId: actor.accountId,
    action: q.action,
    // Emails are stored as sign-in normalised them.
    actorEmail: q.actor?.trim().toLowerCase() || undefined,
    from: ms(q.from),
    to: ms(q.to),
    before: ms(q.before),
  };
}

/**
 * One page, newest first. `nextBefore` is where the next page starts: the page never ends
 * inside a group of events of the same millisecond, so paging by time alone skips none.
 */
export async function listAudit(
  deps: Deps,
  actor: Actor,
  q: Query,
): Promise<{ events: AuditEventView[]; nextBefore: string | null }> {
  requireRight(actor, "audit.read");
  const limit = q.limit ?? AUDIT_PAGE_DEFAULT;
  const filter = filterOf(actor, q);
  const rows = await listAuditEvents(deps.db, { ...filter, limit: limit + 1 });
  if (rows.length <= limit) return { events: rows.map(auditView), nextBefore: null };
  const last = rows[limit - 1] as AuditEventRow;
  const following = rows[limit] as AuditEventRow;
  let page = rows.slice(0, limit);
  let nextBefore = last.at;
  if (following.at === last.at) {
    const earlier = page.filter((r) => r.at !== last.at);
    if (earlier.length > 0) {
      // The group at last.at starts the next page: `before` is exclusive, so one ms later.
      page = earlier;
      nextBefore = last.at + 1;
    } else {
      page = await listAuditEvents(deps.db, {
        ...filter,
        from: last.at,
        to: last.at,
        limit: SAME_MOMENT_MAX,
      });
    }
  }
  return { events: page.map(auditView), nextBefore: new Date(nextBefore).toISOString() };
}

/**
 * Up to AUDIT_CSV_MAX_ROWS events as CSV (header row first), written as it is read. Where the
 * answer ends is found first from the events' keys alone (`nextBefore` goes in a header, before
 * the body); the rows are then read from D1 a batch at a time as the body is pulled, so a log of
 * large rows never sits in memory whole (10,000 rows of 40 KB of detail would be 400 MB).
 */
export async function auditCsv(
  deps: Deps,
  actor: Actor,
  q: Query,
): Promise<{ body: ReadableStream<Uint8Array>; nextBefore: string | null }> {
  requireRight(actor, "audit.read");
  const filter = filterOf(actor, q);
  const keys = await listAuditKeys(deps.db, { ...filter, limit: AUDIT_CSV_MAX_ROWS + 1 });
  const first = keys[0];
  let end = keys[Math.min(keys.length, AUDIT_CSV_MAX_ROWS) - 1];
  const following = keys[AUDIT_CSV_MAX_ROWS];
  let nextBefore: string | null = null;
  if (following && end) {
    // As with pages, the answer does not end inside one millisecond's group of events.
    const lastAt = end.at;
    const earlier = following.at === lastAt ? keys.findLast((k) => k.at !== lastAt) : undefined;
    if (earlier) end = earlier;
    nextBefore = new Date(earlier ? lastAt + 1 : lastAt).toISOString();
  }
  // Events recorded after the keys were read stay out: they sort above the first key.
  const bounded = { ...filter, to: first ? Math.min(filter.to ?? first.at, first.at) : filter.to };
  return { body: csvStream(deps, bounded, end), nextBefore };
}

// The rows down to `end` (included), a batch per pull.
function csvStream(
  deps: Deps,
  filter: Omit<AuditFilter, "limit">,
  end: { at: number; id: string } | undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: { at: number; id: string } | undefined;
  let done = end === undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(AUDIT_CSV_HEADER)));
      if (done) controller.close();
    },
    async pull(controller) {
      if (done || !end) return;
      try {
        const batch = await listAuditEvents(deps.db, {
          ...filter,
          ...(cursor ? { before: cursor.at, beforeId: cursor.id } : {}),
          limit: CSV_STREAM_BATCH,
        });
        let text = "";
        for (const r of batch) {
          if (r.at < end.at || (r.at === end.at && r.id < end.id)) {
            done = true;
            break;
          }
          text += auditCsvRow(r);
        }
        const last = batch.at(-1);
        if (batch.length < CSV_STREAM_BATCH || !last || (last.at === end.at && last.id === end.id))
          done = true;
        else cursor = { at: last.at, id: last.id };
        if (text) controller.enqueue(encoder.encode(text));
        if (done) controller.close();
      } catch (err) {
        deps.log.warn("audit CSV cut short", errorFields(err));
        controller.error(err);
      }
    },
  });
}

/** Every event of the account, oldest pages last, a batch at a time (the account export). */
export async function* allAuditEvents(
  deps: Deps,
  accountId: string,
): AsyncGenerator<AuditEventRow> {
  let cursor: { at: number; id: string } | undefined;
  for (;;) {
    const batch = await listAuditEvents(deps.db, {
      accountId,
      ...(cursor ? { before: cursor.at, beforeId: cursor.id } : {}),
      limit: CSV_BATCH,
    });
    yield* batch;
    const last = batch.at(-1);
    if (batch.length < CSV_BATCH || !last) return;
    cursor = { at: last.at, id: last.id };
  }
}
