import { disconnectEmployeeChannels } from "../channels/channel-disconnect.ts";
import type { Env } from "../env.ts";
import { createLogger, errorFields, type Logger } from "../log/logger.ts";
import { deleteChatAttachments } from "../store/chat-attachments.ts";
import { forgetEmployee } from "../store/employees.ts";
import { deleteEmployeeKnowledge } from "../store/knowledge.ts";
import type { Clock } from "./clock.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { revokeLlmKeys } from "./llm-keys.ts";
import { nodeStub } from "./stubs.ts";

/** Gives an employee's slot on a node back; a failure is only logged (the node's own object
 * drops the slot when it no longer hears of the employee). */
export async function releaseSlot(
  env: Pick<Env, "NODE_DO">,
  log: Logger,
  nodeId: string,
  employeeId: string,
): Promise<void> {
  try {
    await nodeStub(env, nodeId).release(employeeId);
  } catch (err) {
    log.warn("releasing the node slot failed", { nodeId, ...errorFields(err) });
  }
}

// What outlives a fired employee's object elsewhere: its gateway keys, its own files, its
// channels (the providers are told to stop calling), and its D1 row, which goes last (while the
// row exists, the firing can be retried from the API).
export async function forgetEverywhere(env: Env, employeeId: string, now: number): Promise<void> {
  await revokeLlmKeys(env, employeeId, now);
  await deleteEmployeeKnowledge(env.DB, env.KNOWLEDGE, employeeId);
  await disconnectEmployeeChannels(env, createLogger({ employeeId }), employeeId);
  await forgetEmployee(env.DB, employeeId);
}

// A removed employee's traces outside its object, once the node removed container and volume:
// its slot, then (after its D1 mirror settled) keys, files and row, then its chat files.
export async function forgetRemoved(
  env: Env,
  log: Logger,
  r: EmployeeRecord,
  settled: () => Promise<void>,
  clock: Clock,
): Promise<void> {
  if (r.nodeId) await releaseSlot(env, log, r.nodeId, r.id);
  await settled();
  await forgetEverywhere(env, r.id, clock.now());
  await deleteChatAttachments(env.KNOWLEDGE, r.accountId, r.id).catch((err: unknown) =>
    log.warn("chat files could not be deleted", errorFields(err)),
  );
}
