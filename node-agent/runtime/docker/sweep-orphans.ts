import type { Logger } from "../../logger.ts";
import { LABEL_EMPLOYEE } from "./container-config.ts";
import type { EmployeeContainers } from "./employee-containers.ts";
import type { EmployeeDisks } from "./employee-disks.ts";

/**
 * Removes (by `remove`, the runtime's own serialized verb) every employee container and disk the
 * edge does not keep, once older than graceMs; answers the employees removed.
 */
export async function sweepOrphans(
  containers: EmployeeContainers,
  disks: EmployeeDisks,
  keep: ReadonlySet<string>,
  graceMs: number,
  remove: (employeeId: string) => Promise<void>,
  log: Logger,
): Promise<string[]> {
  const list = await containers.listManaged();
  const removed: string[] = [];
  for (const c of list) {
    const employeeId = c.Labels[LABEL_EMPLOYEE];
    if (!employeeId || keep.has(employeeId)) continue;
    if (Date.now() - c.Created * 1000 < graceMs) continue;
    log.warn({ employeeId, containerId: c.Id }, "removing a container the edge does not know");
    await remove(employeeId);
    removed.push(employeeId);
  }
  // A disk without a container: left by a provision that failed between the two.
  const withContainer = new Set(list.map((c) => c.Labels[LABEL_EMPLOYEE]));
  for (const { employeeId, createdMs } of await disks.list()) {
    if (keep.has(employeeId) || withContainer.has(employeeId)) continue;
    if (Date.now() - createdMs < graceMs) continue;
    log.warn({ employeeId }, "removing a disk no container uses");
    await remove(employeeId);
    removed.push(employeeId);
  }
  return removed;
}
