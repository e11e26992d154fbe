import { and, asc, eq, isNull, lt, notInArray, sql } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { nodes } from "../../db/schema.ts";

// A node's row in D1: what placement reads, and what its NodeDO keeps up to date. Every write
// that a connected agent causes is refused once the node's token is revoked (revoked_at set).

/** The least-loaded online nodes with room, best first; never a draining one, nor `exclude`. */
export async function placementCandidates(
  d1: D1Database,
  limit: number,
  exclude: string[] = [],
): Promise<string[]> {
  // Capacity is what the agent reported, never more than its token's slots (the NodeDO caps it
  // too; here a row an older edge wrote cannot attract placements either).
  const capacity = sql`min(${nodes.capacitySlots}, ${nodes.maxSlots})`;
  const rows = await openDb(d1)
    .select({ id: nodes.id })
    .from(nodes)
    .where(
      and(
        eq(nodes.status, "online"),
        isNull(nodes.revokedAt),
        isNull(nodes.drainingAt),
        lt(nodes.usedSlots, capacity),
        exclude.length > 0 ? notInArray(nodes.id, exclude) : undefined,
      ),
    )
    .orderBy(asc(sql`${nodes.usedSlots} * 1.0 / ${capacity}`), asc(nodes.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Free slots across the online nodes, as their NodeDOs last published their load. */
export async function freeSlots(d1: D1Database): Promise<number> {
  const row = await d1
    .prepare(
      `SELECT coalesce(sum(max(0, min(capacity_slots, max_slots) - used_slots)), 0) AS free
       FROM nodes WHERE status = 'online' AND revoked_at IS NULL AND draining_at IS NULL`,
    )
    .first<{ free: number }>();
  return row?.free ?? 0;
}

/**
 * Marks the node online with what its agent reported (capped at the token's slots); undefined
 * when the token was revoked or the node deleted.
 */
export async function recordAgentReport(
  d1: D1Database,
  nodeId: string,
  report: { slots: number; agentVersion?: string; runtime?: string | null; usedSlots?: number },
  now: number,
): Promise<{ capacitySlots: number } | undefined> {
  return openDb(d1)
    .update(nodes)
    .set({
      status: "online",
      lastSeenAt: now,
      capacitySlots: sql`min(${report.slots}, ${nodes.maxSlots})`,
      ...(report.agentVersion !== undefined ? { agentVersion: report.agentVersion } : {}),
      ...(report.runtime !== undefined ? { runtime: report.runtime } : {}),
      ...(report.usedSlots !== undefined ? { usedSlots: report.usedSlots } : {}),
    })
    .where(and(eq(nodes.id, nodeId), isNull(nodes.revokedAt)))
    .returning({ capacitySlots: nodes.capacitySlots })
    .get();
}

/** The node's token as D1 has it now: its slots, whether it was revoked, whether it drains. */
export async function nodeToken(
  d1: D1Database,
  nodeId: string,
): Promise<{ maxSlots: number; revokedAt: number | null; drainingAt: number | null } | undefined> {
  return openDb(d1)
    .select({ maxSlots: nodes.maxSlots, revokedAt: nodes.revokedAt, drainingAt: nodes.drainingAt })
    .from(nodes)
    .where(eq(nodes.id, nodeId))
    .get();
}

export async function setNodeCapacity(d1: D1Database, nodeId: string, slots: number) {
  await openDb(d1).update(nodes).set({ capacitySlots: slots }).where(eq(nodes.id, nodeId));
}

export async function setNodeLoad(d1: D1Database, nodeId: string, usedSlots: number) {
  await openDb(d1).update(nodes).set({ usedSlots }).where(eq(nodes.id, nodeId));
}

export async function markNodeOffline(d1: D1Database, nodeId: string) {
  await openDb(d1).update(nodes).set({ status: "offline" }).where(eq(nodes.id, nodeId));
}

/** Silent past NODE_LOST_TIMEOUT_MS: its employees are placed elsewhere (issue 16). */
export async function markNodeLost(d1: D1Database, nodeId: string) {
  await openDb(d1).update(nodes).set({ status: "lost" }).where(eq(nodes.id, nodeId));
}
