import type { EmployeeStatus } from "../../db/schema.ts";
import type { ContainerCommandType } from "../protocol/frames.ts";

export type Desired = "running" | "stopped" | "gone";

// What the EmployeeDO is doing right now. `commandId` is null while a retry waits for its
// backoff; `wakeAt` is when the alarm must look again (the deadline, or the retry time).
export interface PendingOp {
  kind: ContainerCommandType | "place";
  commandId: string | null;
  attempt: number;
  wakeAt: number;
}

export interface EmployeeRecord {
  id: string;
  userId: string;
  name: string;
  role: string;
  tone: string;
  skills: string[];
  status: EmployeeStatus;
  statusReason: string | null;
  step: string | null;
  nodeId: string | null;
  containerId: string | null;
  desired: Desired;
  op: PendingOp | null;
  waitingSince: number | null;
  // Why billing keeps this employee stopped (trial over, unpaid, over the plan's head count);
  // absent or null when it may run. Start is refused while it is set.
  billingHold?: string | null;
  createdAt: number;
  updatedAt: number;
}

// The API's employee object (API.md), plus `step`: the provisioning step in progress.
export interface EmployeeView {
  id: string;
  name: string;
  role: string;
  tone: string;
  skills: string[];
  status: EmployeeStatus;
  statusReason: string | null;
  step: string | null;
  node: string | null;
  createdAt: string;
  updatedAt: string;
}

// Takes the D1 row as well as the object's record: both carry these fields.
export function toView(
  r: Pick<
    EmployeeRecord,
    | "id"
    | "name"
    | "role"
    | "tone"
    | "skills"
    | "status"
    | "statusReason"
    | "step"
    | "nodeId"
    | "createdAt"
    | "updatedAt"
  >,
): EmployeeView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tone: r.tone,
    skills: r.skills,
    status: r.status,
    statusReason: r.statusReason,
    step: r.step,
    node: r.nodeId,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export const STEPS = {
  findingServer: "Finding a server",
  waitingForServer: "Waiting for a server with room",
  sentToServer: "Preparing the workspace",
  creating: "Starting the container",
  starting: "Waiting for the employee to be ready",
  restarting: "Restarting",
  stopping: "Stopping",
  removing: "Removing the container and its data",
} as const;
