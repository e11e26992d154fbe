import type { Env } from "../env.ts";
import { employeesWaitingForServer } from "../store/employees.ts";
import { setNodeLoad } from "../store/nodes.ts";
import { isDraining } from "./node-drain.ts";
import type { Placements } from "./node-placements.ts";
import { MOVE_RETRY_MS, WAKE_WAITING_LIMIT } from "./node-timeouts.ts";
import { employeeStub } from "./stubs.ts";

// A node's slots: taken by the NodeDO's reserve within the capacity its agent reported (capped by
// its token), published to D1 as the node's load, and, when one frees, offered to whoever waits.

export interface SlotContext {
  env: Env;
  kv: SyncKvStorage;
  placements: Placements;
  nodeId: string | null;
  /** Whether an agent that said hello is connected. */
  online: boolean;
  now: number;
}

// Atomic within the object (nothing is awaited before the slot is taken): two concurrent hires
// cannot both take the last slot. An employee already placed here keeps its slot under the
// generation given: a move that failed came back, and a draining node tries it again after
// MOVE_RETRY_MS.
export async function takeSlot(
  c: SlotContext,
  employeeId: string,
  generation?: number,
): Promise<boolean> {
  if (c.placements.get(employeeId) !== undefined) {
    c.placements.renew(employeeId, generation, isDraining(c.kv) ? c.now + MOVE_RETRY_MS : null);
    return true;
  }
  const capacity = c.kv.get<number>("capacitySlots") ?? 0;
  if (!c.online || isDraining(c.kv) || c.placements.count() >= capacity) return false;
  c.placements.add(employeeId, generation ?? 0, c.now);
  await publishLoad(c);
  return true;
}

export async function publishLoad(
  c: Pick<SlotContext, "env" | "nodeId" | "placements">,
): Promise<void> {
  if (c.nodeId) await setNodeLoad(c.env.DB, c.nodeId, c.placements.ids().length);
}

/** A slot freed or a node connected: whoever waits for a server looks again now. */
export async function wakeWaitingEmployees(env: Env): Promise<void> {
  const waiting = await employeesWaitingForServer(env.DB, WAKE_WAITING_LIMIT);
  await Promise.allSettled(waiting.map((id) => employeeStub(env, id).retryPlacement()));
}
