import { errorFields } from "../log/logger.ts";
import {
  DRAIN_PARALLEL,
  RESTORE_TIMEOUT_MS,
  SNAPSHOT_TIMEOUT_MS,
} from "../protocol/snapshot-timeouts.ts";
import { MAX_COMMAND_ATTEMPTS } from "./employee-timeouts.ts";
import type { NodeContext } from "./node-loss.ts";
import { MOVE_RETRY_MS } from "./node-timeouts.ts";
import { employeeStub } from "./stubs.ts";

// A draining node (D1 nodes.draining_at, set by `npm run node:drain`) takes no new placements
// and moves its employees off, DRAIN_PARALLEL at a time: each is asked to move
// (EmployeeDO.relocate "drain": final snapshot, restore elsewhere, then its slot here is
// released). A move that fails comes back here (`reserve` again) and is tried after
// MOVE_RETRY_MS. Undraining stops new moves; those under way finish.

// A move not heard of for this long (snapshot, restore with its retries, and some) no longer
// counts against DRAIN_PARALLEL.
export const DRAIN_MOVE_STALE_MS =
  SNAPSHOT_TIMEOUT_MS + MAX_COMMAND_ATTEMPTS * RESTORE_TIMEOUT_MS + 5 * 60_000;

const DRAINING_AT = "drainingAt";

export function isDraining(kv: SyncKvStorage): boolean {
  return typeof kv.get<number>(DRAINING_AT) === "number";
}

/** What D1 said of nodes.draining_at; true when it changed. */
export function noteDraining(kv: SyncKvStorage, drainingAt: number | null): boolean {
  const was = kv.get<number>(DRAINING_AT) ?? null;
  if (drainingAt === null) kv.delete(DRAINING_AT);
  else kv.put(DRAINING_AT, drainingAt);
  return was !== drainingAt;
}

/** Starts as many moves as DRAIN_PARALLEL allows. */
export async function drainStep(c: NodeContext): Promise<void> {
  if (!isDraining(c.kv)) return;
  const now = c.now();
  const all = c.placements.all();
  const moving = all.filter(
    (p) => p.movingSince !== null && now - p.movingSince < DRAIN_MOVE_STALE_MS,
  );
  const next = all
    .filter((p) => !moving.includes(p) && (p.retryAt === null || p.retryAt <= now))
    .slice(0, Math.max(0, DRAIN_PARALLEL - moving.length));
  // Marked before any call is made, so that a step running meanwhile picks others.
  for (const p of next) c.placements.markMoving(p.employeeId, now);
  if (next.length > 0) c.log.info("draining: moving employees", { employees: next.length });
  await Promise.all(
    next.map(async (p) => {
      try {
        const moved = await employeeStub(c.env, p.employeeId).relocate("drain", c.nodeId);
        if (moved.ok) return;
        if (moved.code === "busy") c.placements.retryLater(p.employeeId, now + MOVE_RETRY_MS);
        else await c.forget(p.employeeId);
      } catch (err) {
        c.log.error("employee could not be moved off a draining node", {
          employeeId: p.employeeId,
          ...errorFields(err),
        });
        c.placements.retryLater(p.employeeId, now + MOVE_RETRY_MS);
      }
    }),
  );
}
