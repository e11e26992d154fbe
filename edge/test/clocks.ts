import { env } from "cloudflare:workers";
import type { EmployeeDO, NodeDO } from "./test-worker.ts";

// The objects as the test Worker runs them (test-worker.ts): each with a clock a test moves
// forward over RPC. The bindings are typed by the Worker's RPC interfaces, which know nothing of
// the test clock, hence the one cast here.
export function employeeObject(employeeId: string) {
  const ns = env.EMPLOYEE_DO as unknown as DurableObjectNamespace<EmployeeDO>;
  return ns.get(ns.idFromName(employeeId));
}

export function nodeObject(nodeId: string) {
  const ns = env.NODE_DO as unknown as DurableObjectNamespace<NodeDO>;
  return ns.get(ns.idFromName(nodeId));
}
