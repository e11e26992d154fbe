import type { Env } from "../env.ts";
import { placementCandidates } from "../store/nodes.ts";
import { nodeStub } from "./stubs.ts";

// How many candidate nodes one placement asks before waiting.
export const PLACEMENT_CANDIDATES = 5;

// D1 proposes the least-loaded online nodes; each node's own object decides, one reservation at
// a time, whether it really has room, so two hires can never squeeze into the last slot.
export async function placeEmployee(
  env: Pick<Env, "DB" | "NODE_DO">,
  employeeId: string,
): Promise<string | null> {
  for (const id of await placementCandidates(env.DB, PLACEMENT_CANDIDATES)) {
    if (await nodeStub(env, id).reserve(employeeId)) return id;
  }
  return null;
}
