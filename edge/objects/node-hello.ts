import type { Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import { type AgentFrame, type EdgeFrame, PROTOCOL_VERSION } from "../protocol/frames.ts";
import { AGENT_SELF_FENCE_MS } from "../protocol/snapshot-timeouts.ts";
import { recordAgentReport } from "../store/nodes.ts";
import { AgentSockets } from "./agent-sockets.ts";
import { cameBack } from "./node-loss.ts";
import type { NodeOutbox } from "./node-outbox.ts";
import { HEARTBEAT_INTERVAL_MS } from "./node-timeouts.ts";

// What an agent tells its NodeDO about itself: the hello (its protocol, version, runtime and
// slots) and each heartbeat (its slots again). Both answer with the lease the agent may keep its
// employees running for (self-fencing); a revoked token answers false and nothing is sent.

export interface AgentReportContext {
  env: Env;
  log: Logger;
  kv: SyncKvStorage;
  nodeId: string;
  now: number;
  send: (frame: EdgeFrame) => void;
}

type Hello = Extract<AgentFrame, { type: "hello" }>;

/** An agent speaking another protocol version: its socket is closed; answers whether it was. */
export function refuseOtherProtocol(ws: WebSocket, hello: Hello, log: Logger): boolean {
  if (hello.protocol === PROTOCOL_VERSION) return false;
  log.warn("agent speaks another protocol version", {
    theirs: hello.protocol,
    ours: PROTOCOL_VERSION,
  });
  ws.close(4002, `protocol ${hello.protocol} not supported; this edge speaks ${PROTOCOL_VERSION}`);
  return true;
}

/**
 * Records the hello, welcomes the agent and sends the commands that were waiting for it, in the
 * order they were given; false when the node's token is revoked.
 */
export async function acceptHello(
  c: AgentReportContext,
  ws: WebSocket,
  hello: Hello,
  usedSlots: number,
  outbox: NodeOutbox,
): Promise<boolean> {
  // The agent may report fewer slots than its token was made with, never more.
  const updated = await recordAgentReport(
    c.env.DB,
    c.nodeId,
    {
      slots: hello.capacity.slots,
      agentVersion: hello.agentVersion,
      runtime: hello.runtime ?? null,
      usedSlots,
    },
    c.now,
  );
  if (!updated) return false;
  AgentSockets.markHelloed(ws);
  c.kv.put("lastSeen", c.now);
  cameBack({ kv: c.kv, log: c.log });
  c.kv.put("reportedSlots", hello.capacity.slots);
  c.kv.put("capacitySlots", updated.capacitySlots);
  c.log.info("agent said hello", {
    agentVersion: hello.agentVersion,
    runtime: hello.runtime ?? null,
    slots: updated.capacitySlots,
    reportedSlots: hello.capacity.slots,
    inventory: hello.inventory.length,
  });
  c.send({
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    nodeId: c.nodeId,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  });
  c.send({ type: "heartbeat.ack", leaseMs: AGENT_SELF_FENCE_MS });
  for (const frame of outbox.queued()) ws.send(frame);
  return true;
}

/** A heartbeat's slots, capped by the token's; false when the node's token is revoked. */
export async function acceptHeartbeat(c: AgentReportContext, slots: number): Promise<boolean> {
  const updated = await recordAgentReport(c.env.DB, c.nodeId, { slots }, c.now);
  if (!updated) return false;
  c.kv.put("reportedSlots", slots);
  c.kv.put("capacitySlots", updated.capacitySlots);
  // Heard: the agent may keep its employees running for another lease (self-fencing).
  c.send({ type: "heartbeat.ack", leaseMs: AGENT_SELF_FENCE_MS });
  return true;
}
