import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { NODE_LOST_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";
import { markNodeLost } from "../store/nodes.ts";
import type { Placements } from "./node-placements.ts";
import { LOST_BATCH, LOST_BATCH_INTERVAL_MS, MOVE_RETRY_MS } from "./node-timeouts.ts";
import { employeeStub } from "./stubs.ts";

// What a NodeDO does when its agent is gone (issue 16). The socket closing marks the node offline
// and remembers since when; NODE_LOST_TIMEOUT_MS later, with still no agent, the node is lost:
// D1 says so (it is never a candidate again until its agent says hello), and each employee
// placed on it is asked to move (EmployeeDO.relocate), a few per alarm. A hello before then
// cancels all of it. The agent fenced itself before that (AGENT_SELF_FENCE_MS is shorter), and
// every move raises the employee's generation, so a node that comes back runs no second copy.

export interface NodeContext {
  env: Env;
  log: Logger;
  kv: SyncKvStorage;
  placements: Placements;
  nodeId: string;
  now: () => number;
  setAlarm: (at: number) => Promise<void>;
  /** Drops a placement the employee no longer has here. */
  forget: (employeeId: string) => Promise<void>;
}

const OFFLINE_SINCE = "offlineSince";
const LOST = "lost";

export function offlineSince(kv: SyncKvStorage): number | null {
  return kv.get<number>(OFFLINE_SINCE) ?? null;
}

/** The agent's last socket closed: the clock towards "lost" starts (once). */
export async function wentOffline(c: Pick<NodeContext, "kv" | "now" | "setAlarm">): Promise<void> {
  let since = offlineSince(c.kv);
  if (since === null) {
    since = c.now();
    c.kv.put(OFFLINE_SINCE, since);
  }
  await c.setAlarm(since + NODE_LOST_TIMEOUT_MS);
}

/** The agent said hello: it is not lost (any more). */
export function cameBack(c: Pick<NodeContext, "kv" | "log">): void {
  if (c.kv.get<boolean>(LOST)) c.log.info("lost node came back");
  c.kv.delete(OFFLINE_SINCE);
  c.kv.delete(LOST);
}

/** The alarm of a node without an agent. */
export async function lossAlarm(c: NodeContext): Promise<void> {
  const since = offlineSince(c.kv);
  if (since === null) return;
  const now = c.now();
  if (now < since + NODE_LOST_TIMEOUT_MS) {
    await c.setAlarm(since + NODE_LOST_TIMEOUT_MS);
    return;
  }
  // Written again on every such alarm: a socket that came and went without a hello set it offline.
  await markNodeLost(c.env.DB, c.nodeId);
  if (!c.kv.get<boolean>(LOST)) {
    c.kv.put(LOST, true);
    c.log.warn("node lost: moving its employees", {
      silentForMs: now - since,
      employees: c.placements.count(),
    });
  }
  const due = c.placements.all().filter((p) => p.retryAt === null || p.retryAt <= now);
  for (const p of due.slice(0, LOST_BATCH)) {
    try {
      const moved = await employeeStub(c.env, p.employeeId).relocate("node_lost", c.nodeId);
      // Not on this node (any more), or gone: the placement is stale.
      if (!moved.ok && moved.code !== "busy") await c.forget(p.employeeId);
      else if (!moved.ok) c.placements.retryLater(p.employeeId, now + MOVE_RETRY_MS);
    } catch (err) {
      c.log.error("employee of a lost node could not be moved", {
        employeeId: p.employeeId,
        ...errorFields(err),
      });
      c.placements.retryLater(p.employeeId, now + MOVE_RETRY_MS);
    }
  }
  // A successful move released its placement; the rest go with the next alarm.
  const left = c.placements.all();
  if (left.length === 0) return;
  const next = Math.min(...left.map((p) => p.retryAt ?? now + LOST_BATCH_INTERVAL_MS));
  await c.setAlarm(Math.max(next, now + LOST_BATCH_INTERVAL_MS));
}
