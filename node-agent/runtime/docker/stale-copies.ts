import type Docker from "dockerode";
import type { Instance } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import type { StaleMarkers } from "../stale-markers.ts";
import { LABEL_EMPLOYEE, LABEL_MANAGED, RESTART_POLICY } from "./container-config.ts";
import { wrap } from "./docker-errors.ts";

export interface Placement {
  employeeId: string;
  generation: number;
}

/** A copy is stale when the edge has placed its employee anew since it was made. A container
 * without a generation (made before them) cannot be judged and is left to the edge. */
export function isStale(instance: Instance, placement: Placement | undefined): boolean {
  return (
    placement !== undefined &&
    instance.generation !== undefined &&
    instance.generation < placement.generation
  );
}

export interface StaleVerbs {
  stop(employeeId: string): Promise<unknown>;
  remove(employeeId: string): Promise<unknown>;
}

// At a reconcile: every stale copy is stopped now and marked; a marked copy that is no longer
// stale (the edge made it anew here) loses its mark; one past STALE_DISK_KEEP_MS whose employee
// the edge no longer keeps here is removed with its disk. Answers the employees still held as
// stale, which the orphan sweep must leave to their keep time.
export async function fenceStaleCopies(
  instances: readonly Instance[],
  placements: readonly Placement[],
  keep: ReadonlySet<string>,
  markers: StaleMarkers,
  verbs: StaleVerbs,
  log: Logger,
): Promise<Set<string>> {
  const wanted = new Map(placements.map((p) => [p.employeeId, p]));
  const byEmployee = new Map(instances.map((i) => [i.employeeId, i]));
  for (const instance of instances) {
    const placement = wanted.get(instance.employeeId);
    if (!isStale(instance, placement)) continue;
    log.warn(
      {
        employeeId: instance.employeeId,
        containerId: instance.containerId,
        generation: instance.generation,
        current: placement?.generation,
      },
      "stopping a stale copy: the employee was placed anew while this node was away",
    );
    markers.mark(instance.employeeId, instance.generation ?? null);
    if (instance.state !== "stopped" && instance.state !== "missing")
      await verbs
        .stop(instance.employeeId)
        .catch((err: unknown) =>
          log.error(
            { employeeId: instance.employeeId, err: String(err) },
            "could not stop a stale copy",
          ),
        );
  }
  const held = new Set<string>();
  for (const marker of markers.list()) {
    const instance = byEmployee.get(marker.employeeId);
    const placement = wanted.get(marker.employeeId);
    if (instance && placement && !isStale(instance, placement)) {
      markers.clear(marker.employeeId);
      continue;
    }
    if (markers.expired(marker) && !keep.has(marker.employeeId)) {
      log.warn({ employeeId: marker.employeeId }, "removing a stale copy past its keep time");
      try {
        await verbs.remove(marker.employeeId);
        markers.clear(marker.employeeId);
        continue;
      } catch (err) {
        log.error(
          { employeeId: marker.employeeId, err: String(err) },
          "could not remove a stale copy",
        );
      }
    }
    held.add(marker.employeeId);
  }
  return held;
}

// Containers made before RESTART_POLICY was "no" still carry "unless-stopped", which dockerd
// honours at its boot: each is changed in place (docker update) at the agent's start, and one
// that is running under gVisor (which refuses an update then) at its next stop.
// Only those on this agent's network: the node's own (a shared test engine has others').
export async function pinRestartPolicies(
  docker: Docker,
  network: string,
  log: Logger,
): Promise<number> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`], network: [network] },
  });
  let changed = 0;
  for (const c of list) {
    if (await pinRestartPolicy(docker.getContainer(c.Id), log)) changed++;
  }
  if (changed) log.info({ changed }, "employees no longer started by dockerd at its boot");
  return changed;
}

export async function pinRestartPolicy(container: Docker.Container, log: Logger): Promise<boolean> {
  const info = await container.inspect().catch(() => null);
  if (!info || info.HostConfig.RestartPolicy?.Name === RESTART_POLICY) return false;
  try {
    await container.update({ RestartPolicy: { Name: RESTART_POLICY, MaximumRetryCount: 0 } });
    return true;
  } catch (err) {
    log.warn(
      { employeeId: info.Config.Labels?.[LABEL_EMPLOYEE], err: String(wrap(err, "update_failed")) },
      "dockerd's own restarts of an employee stay on until it is stopped",
    );
    return false;
  }
}
