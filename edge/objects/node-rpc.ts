import type { CommandFrame, ResultFrame } from "../protocol/frames.ts";

export interface NodeStatus {
  nodeId: string | null;
  connected: boolean;
  capacitySlots: number;
  placements: string[];
  queuedCommands: number;
}

// What the NodeDO answers over RPC (edge/objects/node-do.ts implements it); the Worker's
// bindings are typed by it, as for the EmployeeDO (employee-rpc.ts).
export interface NodeRpc extends Rpc.DurableObjectBranded {
  reserve(employeeId: string): Promise<boolean>;
  release(employeeId: string): Promise<void>;
  dispatch(frame: CommandFrame): Promise<void>;
  ask(frame: CommandFrame): Promise<ResultFrame>;
  status(): NodeStatus;
  fetch(request: Request): Promise<Response>;
}
