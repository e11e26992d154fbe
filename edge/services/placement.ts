import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { nodes } from "../../db/schema.ts";
import type { Env } from "../env.ts";
import { nodeStub } from "../objects/stubs.ts";

// How many candidate nodes one placement asks before waiting.
export const PLACEMENT_CANDIDATES = 5;

// D1 proposes the least-loaded online nodes; each node's own object decides, one reservation at
// a time, whether it really has room, so two hires can never squeeze into the last slot.
export async function placeEmployee(env: Env, employeeId: string): Promise<string | null> {
  // Capacity is what the agent reported, never more than its token's slots (the NodeDO caps it
  // too; here a row an older edge wrote cannot attract placements either).
  const capacity = sql`min(${nodes.capacitySlots}, ${nodes.maxSlots})`;
  const candidates = await openDb(env.DB)
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(eq(nodes.status, "online"), isNull(nodes.revokedAt), lt(nodes.usedSlots, capacity)))
    .orderBy(asc(sql`${nodes.usedSlots} * 1.0 / ${capacity}`), asc(nodes.id))
    .limit(PLACEMENT_CANDIDATES);
  for (const { id } of candidates) {
    if (await nodeStub(env, id).reserve(employeeId)) return id;
  }
  return null;
}
