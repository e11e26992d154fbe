import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import {
  type ChannelKind,
  type ChannelSenderRow,
  channelSenders,
  employees,
} from "../../db/schema.ts";
import { MAX_PAIRING_PREVIEW_CHARS } from "../contract/channels.ts";

// Channel senders (db/channel-senders): pairing requests of strangers, the admins' decisions on
// them (per employee), and links of a provider identity to a member (for the whole account).

export async function getChannelSender(
  d1: D1Database,
  id: string,
): Promise<ChannelSenderRow | null> {
  const [row] = await openDb(d1)
    .select()
    .from(channelSenders)
    .where(eq(channelSenders.id, id))
    .limit(1);
  return row ?? null;
}

/** What is decided about this sender for this employee (null: never seen). */
export async function findChannelSender(
  d1: D1Database,
  employeeId: string,
  kind: ChannelKind,
  senderKey: string,
): Promise<ChannelSenderRow | null> {
  const [row] = await openDb(d1)
    .select()
    .from(channelSenders)
    .where(
      and(
        eq(channelSenders.employeeId, employeeId),
        eq(channelSenders.kind, kind),
        eq(channelSenders.senderKey, senderKey),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** The member an admin linked this provider identity to, in any of the account's employees. */
export async function linkedMember(
  d1: D1Database,
  accountId: string,
  kind: ChannelKind,
  senderKey: string,
): Promise<string | null> {
  const [row] = await openDb(d1)
    .select({ userId: channelSenders.userId })
    .from(channelSenders)
    .where(
      and(
        eq(channelSenders.accountId, accountId),
        eq(channelSenders.kind, kind),
        eq(channelSenders.senderKey, senderKey),
        isNotNull(channelSenders.userId),
        eq(channelSenders.status, "allowed"),
      ),
    )
    .limit(1);
  return row?.userId ?? null;
}

export interface SenderSeen {
  accountId: string;
  employeeId: string;
  kind: ChannelKind;
  senderKey: string;
  displayName: string | null;
  email: string | null;
  /** The held message's text; the first one becomes the preview. */
  text: string;
}

/**
 * A stranger's message: opens a pending pairing request, or counts one more message on the row
 * there is (whatever its status; its preview stays the first message's). Answers the row after,
 * and whether it was opened now (the caller broadcasts and rate-limits new requests).
 */
export async function recordSender(
  d1: D1Database,
  s: SenderSeen,
  now: number,
): Promise<{ row: ChannelSenderRow; opened: boolean }> {
  const [row] = await openDb(d1)
    .insert(channelSenders)
    .values({
      id: crypto.randomUUID(),
      accountId: s.accountId,
      employeeId: s.employeeId,
      kind: s.kind,
      senderKey: s.senderKey,
      displayName: s.displayName,
      email: s.email,
      status: "pending",
      preview: s.text.slice(0, MAX_PAIRING_PREVIEW_CHARS),
      messageCount: 1,
      createdAt: now,
    })
    .onConflictDoUpdate({
      target: [channelSenders.employeeId, channelSenders.kind, channelSenders.senderKey],
      set: { messageCount: sql`${channelSenders.messageCount} + 1` },
    })
    .returning();
  if (!row) throw new Error("channel sender not written");
  return { row, opened: row.messageCount === 1 };
}

/** Remembers when the provider's identity was looked up (Slack users.info), and what it said. */
export async function markSenderChecked(
  d1: D1Database,
  id: string,
  found: { displayName: string | null; email: string | null },
  now: number,
): Promise<void> {
  await openDb(d1)
    .update(channelSenders)
    .set({ ...found, checkedAt: now })
    .where(eq(channelSenders.id, id));
}

export type PairingRequestRow = ChannelSenderRow & { employeeName: string };

/** The account's pending requests, newest first, with the employee's name. */
export async function listPendingPairingRequests(
  d1: D1Database,
  accountId: string,
  limit = 200,
): Promise<PairingRequestRow[]> {
  const rows = await openDb(d1)
    .select({ sender: channelSenders, employeeName: employees.name })
    .from(channelSenders)
    .innerJoin(employees, eq(employees.id, channelSenders.employeeId))
    .where(and(eq(channelSenders.accountId, accountId), eq(channelSenders.status, "pending")))
    .orderBy(desc(channelSenders.createdAt))
    .limit(limit);
  return rows.map((r) => ({ ...r.sender, employeeName: r.employeeName }));
}

export interface PairingDecisionWrite {
  status: "allowed" | "blocked";
  /** The member an allowed sender is (allowed only). */
  userId: string | null;
  decidedBy: string;
}

/** Decides a request of this account (any status: a decision can be changed); null if none. */
export async function decidePairingRequest(
  d1: D1Database,
  accountId: string,
  id: string,
  d: PairingDecisionWrite,
  now: number,
): Promise<ChannelSenderRow | null> {
  const [row] = await openDb(d1)
    .update(channelSenders)
    .set({
      status: d.status,
      userId: d.status === "allowed" ? d.userId : null,
      decidedBy: d.decidedBy,
      decidedAt: now,
    })
    .where(and(eq(channelSenders.id, id), eq(channelSenders.accountId, accountId)))
    .returning();
  return row ?? null;
}
