import type Docker from "dockerode";
import type { EmployeeSpec } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import { RuntimeError } from "../employee-runtime.ts";
import { containerName, LABEL_EMPLOYEE, LABEL_MANAGED, volumeName } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";
import { seedFromImage } from "./docker-files.ts";
import { STOP_GRACE_S } from "./employee-containers.ts";
import type { EmployeeDisks } from "./employee-disks.ts";

type Serial = <T>(employeeId: string, fn: () => Promise<T>) => Promise<T>;

// An employee's /data as the Docker runtime sees it: a disk of its own (employee-disks.ts), or,
// in development, a Docker volume. Disk errors become RuntimeErrors here (diskFailure).
export class EmployeeStorage {
  private readonly docker: Docker;
  private readonly disks: EmployeeDisks;
  private readonly image: string;
  private readonly log: Logger;

  constructor(docker: Docker, disks: EmployeeDisks, image: string, log: Logger) {
    this.docker = docker;
    this.disks = disks;
    this.image = image;
    this.log = log;
  }

  // A new disk starts as the image's /data, as a new Docker volume does (a crash before the
  // copy is made good by the next provision: the disk is still empty).
  async seededDisk(employeeId: string): Promise<string> {
    const { source, empty } = await this.disks.ensure(employeeId).catch((err: unknown) => {
      throw diskFailure(err, "disk_failed");
    });
    if (empty)
      await seedFromImage(this.docker, this.image, source, `${containerName(employeeId)}-seed`);
    return source;
  }

  mountDisk(employeeId: string): Promise<"none" | "mounted" | "already"> {
    return this.disks.mount(employeeId).catch((err: unknown) => {
      throw diskFailure(err, "disk_failed");
    });
  }

  // After a reboot each disk is mounted again. A container made before RESTART_POLICY was "no"
  // may have been started by dockerd before the agent ran, with its bare mount point bound at
  // /data (root's: the employee cannot write there): it is stopped.
  async remountDisks(serial: Serial): Promise<void> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED}=true`] },
    });
    for (const c of list) {
      const employeeId = c.Labels[LABEL_EMPLOYEE];
      if (!employeeId) continue;
      await serial(employeeId, async () => {
        const mounted = await this.mountDisk(employeeId);
        if (mounted !== "mounted" || c.State !== "running") return;
        // Not restarted onto its disk here: nothing runs before the edge's reconcile (it may be
        // a stale copy); the edge starts it again after the hello if it is still ours.
        this.log.warn({ employeeId }, "stopping an employee dockerd started without its disk");
        try {
          await this.docker.getContainer(c.Id).stop({ t: STOP_GRACE_S });
        } catch (err) {
          if (statusOf(err) !== 304) throw wrap(err, "stop_failed");
        }
      }).catch((err: unknown) => {
        this.log.error({ employeeId, err: String(err) }, "could not mount an employee's disk");
      });
    }
  }

  // Development only (EMPLOYEE_DISK_QUOTA=off): an unbounded Docker volume, which Docker fills
  // from the image's /data.
  async ensureVolume(spec: EmployeeSpec): Promise<void> {
    try {
      await this.docker.createVolume({
        Name: volumeName(spec.employeeId),
        Driver: "local",
        Labels: { [LABEL_MANAGED]: "true", [LABEL_EMPLOYEE]: spec.employeeId },
      });
    } catch (err) {
      throw wrap(err, "volume_failed");
    }
  }

  /** The volume and the disk, whichever exist. */
  async remove(employeeId: string): Promise<void> {
    try {
      await this.docker.getVolume(volumeName(employeeId)).remove();
    } catch (err) {
      if (statusOf(err) !== 404) throw wrap(err, "remove_failed");
    }
    await this.disks.remove(employeeId).catch((err: unknown) => {
      throw diskFailure(err, "remove_failed");
    });
  }
}

// A file system error is ours, never the engine's (whenEngineUp would wait on an ENOENT).
function diskFailure(err: unknown, code: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RuntimeError(
    code,
    `this server could not prepare the employee's disk: ${message.slice(0, 400)}`,
    true,
  );
}
