import type { CommandFrame, ResultFrame } from "../protocol/frames.ts";

export interface NodeStatus {
  nodeId: string | null;
  connected: boolean;
  capacitySlots: number;
  placements: string[];
  /** Whether the node takes no new placements and moves its employees off. */
  draining: boolean;
  /** Since when its agent has been away (null while connected). */
  offlineSince: number | null;
  queuedCommands: number;
}

// What the NodeDO answers over RPC (edge/objects/node-do.ts implements it); the Worker's
// bindings are typed by it, as for the EmployeeDO (employee-rpc.ts).
export interface NodeRpc extends Rpc.DurableObjectBranded {
  /** A slot under the placement's generation; an employee already placed gets the new one. */
  reserve(employeeId: string, generation?: number): Promise<boolean>;
  /** D1's nodes.draining_at changed: start or stop moving employees off (issue 16). */
  drainChanged(): Promise<void>;
  release(employeeId: string): Promise<void>;
  dispatch(frame: CommandFrame): Promise<void>;
  ask(frame: CommandFrame): Promise<ResultFrame>;
  status(): NodeStatus;
  fetch(request: Request): Promise<Response>;
}
