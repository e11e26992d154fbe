import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { waitersAhead } from "../store/employees.ts";
import { freeSlots, placementCandidates } from "../store/nodes.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { WAIT_FOR_SERVER_TIMEOUT_MS } from "./employee-timeouts.ts";
import type { LifecycleEffect, LifecycleInput } from "./lifecycle-effects.ts";
import { nodeStub } from "./stubs.ts";

// How many candidate nodes one placement asks before waiting.
export const PLACEMENT_CANDIDATES = 5;

export interface Placement {
  nodeId: string | null;
  /** The place among those waiting for a server (1: next) when none was found, else null. */
  queuePosition: number | null;
}

// Employees waiting for a server are served in the order their launches began: one may take a
// slot only while there are more free slots than employees waiting ahead of it, so a slot that
// frees goes to the first in line (every waiting employee looks again when one frees: node-do.ts)
// and the queue position shown is the order they will be placed in. Then D1 proposes the
// least-loaded online nodes, and each node's own object decides, one reservation at a time,
// whether it really has room, so two hires can never squeeze into the last slot.
// A move (node lost, drain, restore elsewhere) goes ahead of the queue (`first`: it was placed
// before, and was running), never back to the node it leaves (`exclude`), and reserves its slot
// under its new `generation`. Lost and draining nodes are never candidates.
export async function placeEmployee(
  env: Pick<Env, "DB" | "NODE_DO">,
  employee: {
    id: string;
    waitingSince: number;
    generation: number;
    exclude?: string[];
    first?: boolean;
  },
  now: number,
): Promise<Placement> {
  const [ahead, free] = await Promise.all([
    employee.first ? 0 : waitersAhead(env.DB, employee, now - WAIT_FOR_SERVER_TIMEOUT_MS),
    freeSlots(env.DB),
  ]);
  if (ahead < free) {
    const candidates = await placementCandidates(env.DB, PLACEMENT_CANDIDATES, employee.exclude);
    for (const id of candidates) {
      if (await nodeStub(env, id).reserve(employee.id, employee.generation))
        return { nodeId: id, queuePosition: null };
    }
  }
  return { nodeId: null, queuePosition: ahead + 1 };
}

/** The EmployeeDO's `place` effect: a slot under the next generation, answered as `placed`. */
export async function placeRecord(
  env: Pick<Env, "DB" | "NODE_DO">,
  log: Logger,
  r: EmployeeRecord,
  effect: Extract<LifecycleEffect, { type: "place" }>,
  now: number,
): Promise<LifecycleInput> {
  const generation = (r.generation ?? 0) + 1;
  const placement = await placeEmployee(
    env,
    {
      id: r.id,
      waitingSince: r.waitingSince ?? now,
      generation,
      ...(effect.exclude ? { exclude: effect.exclude } : {}),
      ...(effect.first ? { first: true } : {}),
    },
    now,
  ).catch((err: unknown) => {
    log.error("placement failed", errorFields(err));
    return { nodeId: null, queuePosition: null };
  });
  return { type: "placed", employeeId: r.id, generation, ...placement };
}
