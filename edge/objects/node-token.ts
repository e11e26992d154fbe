import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { markNodeOffline, nodeToken, setNodeCapacity } from "../store/nodes.ts";
import { noteDraining } from "./node-drain.ts";

// A connected node's token, checked again while its agent is connected (node-do.ts: on its
// alarm every TOKEN_CHECK_INTERVAL_MS, every heartbeat, every command sent). The same read
// brings the token's slots (they cap the capacity) and whether the node drains (node-drain.ts).

// The close code an agent whose node token was revoked hears (4xxx: ours; 401-like).
export const TOKEN_REVOKED_CLOSE_CODE = 4001;

export type TokenCheck = "valid" | "revoked" | "unknown";

export interface TokenContext {
  env: Env;
  log: Logger;
  kv: SyncKvStorage;
  nodeId: string | null;
  sockets: () => WebSocket[];
}

// Reads the node's row: "revoked" (the token was revoked or the node deleted; the socket is
// closed here), "valid" (and the token's slots, if they changed, cap the capacity), or
// "unknown" when D1 could not be asked, which sends nothing.
export async function checkNodeToken(c: TokenContext): Promise<TokenCheck> {
  const nodeId = c.nodeId;
  if (!nodeId) return "unknown";
  let row: Awaited<ReturnType<typeof nodeToken>>;
  try {
    row = await nodeToken(c.env.DB, nodeId);
  } catch (err) {
    c.log.warn("node token check failed", errorFields(err));
    return "unknown";
  }
  if (!row || row.revokedAt !== null) {
    await closeRevoked(c);
    return "revoked";
  }
  const reported = c.kv.get<number>("reportedSlots");
  if (reported !== undefined) {
    const capacity = Math.min(reported, row.maxSlots);
    if (capacity !== c.kv.get<number>("capacitySlots")) {
      c.kv.put("capacitySlots", capacity);
      await setNodeCapacity(c.env.DB, nodeId, capacity);
    }
  }
  if (noteDraining(c.kv, row.drainingAt))
    c.log.info(row.drainingAt === null ? "drain stopped" : "draining", {});
  return "valid";
}

export async function closeRevoked(c: TokenContext): Promise<void> {
  const sockets = c.sockets();
  if (sockets.length > 0) c.log.warn("node token revoked: closing the agent's socket");
  for (const ws of sockets) {
    try {
      ws.close(TOKEN_REVOKED_CLOSE_CODE, "node token revoked");
    } catch {
      // already closed
    }
  }
  if (c.nodeId) await markNodeOffline(c.env.DB, c.nodeId);
}
