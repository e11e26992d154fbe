import type { Env } from "../env.ts";

// The one way to reach an employee's or a node's Durable Object: both are named by their id.
export function employeeStub(env: Pick<Env, "EMPLOYEE_DO">, employeeId: string) {
  return env.EMPLOYEE_DO.get(env.EMPLOYEE_DO.idFromName(employeeId));
}

export function nodeStub(env: Pick<Env, "NODE_DO">, nodeId: string) {
  return env.NODE_DO.get(env.NODE_DO.idFromName(nodeId));
}
