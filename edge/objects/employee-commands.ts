import { type Env, gatewayUrl, parseConfig } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { chatOrigin } from "../protocol/access-url.ts";
import type { CommandFrame, ContainerCommandType, EmployeeSpec } from "../protocol/frames.ts";
import { autonomyOf, customerOf } from "../store/employees.ts";
import { knowledgeForEmployee } from "../store/knowledge.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { MemoryResult } from "./employee-rpc.ts";
import { mintLlmKey, revokeLlmKeys } from "./llm-keys.ts";
import { nodeStub } from "./stubs.ts";

// What an EmployeeDO tells the node it is placed on: lifecycle commands, settings, its knowledge
// base, and the one question it asks (its memory).
export interface CommandContext {
  env: Env;
  log: Logger;
  now: () => number;
  /** The record as it is now: minting a key and reading D1 let other calls run meanwhile. */
  current: () => EmployeeRecord | undefined;
}

/** Sends the command the record's op waits for, unless a newer operation superseded it. */
export async function sendCommand(
  c: CommandContext,
  r: EmployeeRecord,
  command: { kind: ContainerCommandType; commandId: string; attempt: number },
): Promise<void> {
  const { kind, commandId, attempt } = command;
  const nodeId = r.nodeId;
  if (!nodeId) throw new Error(`cannot send ${kind}: no node`);
  try {
    const frame = await commandFrame(c, r, kind, commandId);
    if (c.current()?.op?.commandId !== commandId) {
      // Superseded while the frame was made (fired, stopped, …): the newer operation sends its
      // own command, and a key minted for a fired employee is retired at once.
      c.log.info("superseded command not sent", { commandId, type: kind });
      if (!c.current()) await revokeLlmKeys(c.env, r.id, c.now());
      return;
    }
    await nodeStub(c.env, nodeId).dispatch(frame);
    c.log.info("command dispatched", { commandId, type: kind, attempt });
  } catch (err) {
    // The NodeDO could not take it; the deadline alarm retries.
    c.log.warn("command dispatch failed", { commandId, type: kind, ...errorFields(err) });
  }
}

async function commandFrame(
  c: CommandContext,
  r: EmployeeRecord,
  kind: ContainerCommandType,
  id: string,
): Promise<CommandFrame> {
  // Every command names the placement it is for: the agent refuses one older than its container.
  const base = { id, employeeId: r.id, generation: r.generation ?? 0 };
  if (kind !== "container.provision" && kind !== "container.restore")
    return { type: kind, ...base };
  // Every provision (and restore, which provisions) brings a fresh gateway key and retires the
  // previous one (rotation): a copy left on a lost node loses its key with it.
  const apiKey = await mintLlmKey(c.env, r.id, r.accountId, c.now());
  // A stop, hold or firing stored while this key was minted did not see it: retire it.
  if (c.current()?.desired !== "running") await revokeLlmKeys(c.env, r.id, c.now());
  const llm = { baseUrl: gatewayUrl(parseConfig(c.env)), apiKey };
  const spec = { ...(await workspaceSpec(c.env, c.current() ?? r)), llm };
  if (kind === "container.provision") return { type: kind, ...base, spec };
  const plan = r.restore;
  if (!plan?.snapshotId) throw new Error("container.restore without a snapshot chosen");
  return { type: kind, ...base, snapshotId: plan.snapshotId, mode: plan.mode, spec };
}

/** Renders the workspace again after a change of settings; the next provision would anyway. */
export async function configure(c: CommandContext, r: EmployeeRecord): Promise<void> {
  if (!r.nodeId) return;
  try {
    await nodeStub(c.env, r.nodeId).dispatch({
      type: "employee.configure",
      id: crypto.randomUUID(),
      employeeId: r.id,
      generation: r.generation ?? 0,
      spec: await workspaceSpec(c.env, r),
    });
  } catch (err) {
    c.log.warn("settings could not be sent to the node", errorFields(err));
  }
}

// What the agent renders the workspace from. Without `llm`, the agent leaves openclaw.json as
// it is (only a provision mints a key).
async function workspaceSpec(env: Env, r: EmployeeRecord): Promise<EmployeeSpec> {
  const [customer, autonomy] = await Promise.all([
    customerOf(env.DB, r.accountId),
    // Issue 18: kept in D1 (the employee's settings), rendered into OpenClaw's exec policy.
    autonomyOf(env.DB, r.id),
  ]);
  return {
    employeeId: r.id,
    accountId: r.accountId,
    name: r.name,
    role: r.role,
    tone: r.tone,
    skills: r.skills,
    ...(customer ? { customer } : {}),
    chatOrigin: chatOrigin(parseConfig(env).ACCESS_URL_TEMPLATE, r.id),
    autonomy,
  };
}

/** Tells the node the whole wanted knowledge base; it fetches and deletes the difference. */
export async function syncKnowledge(env: Env, r: EmployeeRecord | undefined): Promise<void> {
  if (!r?.nodeId || r.desired === "gone") return;
  const files = await knowledgeForEmployee(env.DB, r.accountId, r.id);
  await nodeStub(env, r.nodeId).dispatch({
    type: "knowledge.sync",
    id: crypto.randomUUID(),
    employeeId: r.id,
    generation: r.generation ?? 0,
    accountId: r.accountId,
    ...files,
  });
}

export async function readMemory(env: Env, r: EmployeeRecord | undefined): Promise<MemoryResult> {
  if (!r) return { ok: false, code: "not_found", message: "This employee does not exist." };
  if (!r.nodeId || r.status === "removing")
    return {
      ok: false,
      code: "unavailable",
      message: "The memory can be read once the employee has started for the first time.",
    };
  const result = await nodeStub(env, r.nodeId).ask({
    type: "memory.read",
    id: crypto.randomUUID(),
    employeeId: r.id,
    generation: r.generation ?? 0,
  });
  if (!result.ok) return { ok: false, code: "unavailable", message: result.error.message };
  return { ok: true, files: result.memory ?? [] };
}
