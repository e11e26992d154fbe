import type { Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import {
  type CommandType,
  type EdgeFrame,
  type Instance,
  isContainerCommand,
  type ResultFrame,
} from "../protocol/frames.ts";
import type { Placements } from "./node-placements.ts";
import { employeeStub } from "./stubs.ts";

// What the agent reports about its employees, handed to each one's EmployeeDO by the NodeDO:
// the inventory at hello, and the results of the commands in its outbox. Both carry the
// placement's generation (issue 16): an answer about an earlier placement is stale.

export interface ReportContext {
  env: Env;
  log: Logger;
  sql: SqlStorage;
  placements: Placements;
  nodeId: string;
}

// Desired against actual: every employee placed here hears what Docker says of it, and the
// agent learns which containers are ours to keep, with each one's generation (a container of an
// older one is a stale copy it stops).
export async function reconcileInventory(
  c: ReportContext,
  inventory: Instance[],
  send: (frame: EdgeFrame) => void,
): Promise<void> {
  const placed = c.placements.all();
  const reported = new Map(inventory.map((i) => [i.employeeId, i]));
  await Promise.allSettled(
    placed.map(({ employeeId }) => {
      const instance: Instance = reported.get(employeeId) ?? {
        employeeId,
        containerId: null,
        state: "missing",
      };
      return employeeStub(c.env, employeeId).onInventory(c.nodeId, instance);
    }),
  );
  send({
    type: "inventory.reconcile",
    id: crypto.randomUUID(),
    keep: placed.map((p) => p.employeeId),
    placements: placed.map((p) => ({ employeeId: p.employeeId, generation: p.generation })),
  });
}

/** A command's result: it leaves the outbox and goes to the employee it was about. */
export async function routeResult(c: ReportContext, frame: ResultFrame): Promise<void> {
  const row = c.sql
    .exec<{ employee_id: string; type: CommandType; generation: number | null }>(
      "SELECT employee_id, type, json_extract(frame, '$.generation') AS generation FROM outbox WHERE id = ?",
      frame.id,
    )
    .toArray()[0];
  if (!row) {
    c.log.info("result for a command no longer queued", { commandId: frame.id });
    return;
  }
  c.sql.exec("DELETE FROM outbox WHERE id = ?", frame.id);
  const current = c.placements.get(row.employee_id)?.generation ?? 0;
  if (row.generation !== null && row.generation < current) {
    c.log.info("stale result ignored", {
      commandId: frame.id,
      generation: row.generation,
      current,
    });
    return;
  }
  const employee = employeeStub(c.env, row.employee_id);
  if (row.type === "snapshot.create") return employee.onSnapshotResult(c.nodeId, frame);
  if (isContainerCommand(row.type)) return employee.onCommandResult(c.nodeId, frame);
  // OpenClaw took the chat message (or could not): the employee's inbox moves on.
  if (row.type === "chat.send") return employee.onChatSent(c.nodeId, frame);
  // A decision OpenClaw could not take (approval_not_found): the approval reads as expired.
  if (row.type === "approval.resolve") return employee.onApprovalResult(frame);
  // Syncs (configure, knowledge) are re-sent whole after the next start; a failure is logged.
  if (!frame.ok)
    c.log.warn("sync command failed", {
      commandId: frame.id,
      employeeId: row.employee_id,
      type: row.type,
      err: { message: frame.error.message, code: frame.error.code },
    });
}
