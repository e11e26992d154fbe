import type Docker from "dockerode";
import type { Instance } from "../../../edge/protocol/frames.ts";
import { RuntimeError } from "../employee-runtime.ts";
import { containerName, generationOf, LABEL_EMPLOYEE, LABEL_MANAGED } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";
import { stateFromInspect, stateFromList } from "./docker-events.ts";
import type { Sandbox } from "./employee-isolation.ts";

export const READY_POLL_MS = 250;
export const STOP_GRACE_S = 10;
// From start to healthy, by runtime: OpenClaw is ready in 10–40 s under runc on an idle node;
// gVisor takes 2–3 times as long (up to ~250 s on an overloaded 2-core node; README, "gVisor").
export const READY_TIMEOUT_MS: Record<Sandbox, number> = { runc: 120_000, runsc: 360_000 };

// The single steps on employees' containers, found by name and label (never by anything the
// agent remembers); DockerRuntime orders them per employee.
export class EmployeeContainers {
  private readonly docker: Docker;
  private readonly image: string;
  /** Start to healthy; READY_TIMEOUT_MS for the container's runtime when unset. */
  private readonly readyTimeoutMs: number | undefined;

  constructor(docker: Docker, image: string, readyTimeoutMs: number | undefined) {
    this.docker = docker;
    this.image = image;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  get(employeeId: string): Docker.Container {
    return this.docker.getContainer(containerName(employeeId));
  }

  /** Every managed container, with or without an employee label. */
  listManaged(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED}=true`] },
    });
  }

  async inventory(): Promise<Instance[]> {
    const list = await this.listManaged();
    return list
      .map((c) => ({
        employeeId: c.Labels[LABEL_EMPLOYEE] ?? "",
        containerId: c.Id,
        state: stateFromList(c.State, c.Status),
        ...withGeneration(generationOf(c.Labels)),
      }))
      .filter((i) => i.employeeId !== "");
  }

  async inspect(employeeId: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.get(employeeId).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw wrap(err, "inspect_failed");
    }
  }

  async instance(employeeId: string): Promise<Instance> {
    const info = await this.inspect(employeeId);
    if (!info) return { employeeId, containerId: null, state: "missing" };
    return { employeeId, containerId: info.Id, state: stateFromInspect(info) };
  }

  async ensureImage(): Promise<void> {
    try {
      await this.docker.getImage(this.image).inspect();
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new RuntimeError(
          "image_missing",
          `the employee image ${this.image} is not on this server`,
          false,
        );
      }
      throw wrap(err, "image_check_failed");
    }
  }

  async create(
    config: Docker.ContainerCreateOptions,
    employeeId: string,
  ): Promise<Docker.ContainerInspectInfo> {
    try {
      await this.docker.createContainer(config);
    } catch (err) {
      // 409: it exists after all (created by an earlier attempt); use it, never recreate.
      if (statusOf(err) !== 409) throw wrap(err, "create_failed");
    }
    const info = await this.inspect(employeeId);
    if (!info)
      throw new RuntimeError(
        "create_failed",
        "the container vanished right after it was created",
        true,
      );
    return info;
  }

  async drop(employeeId: string): Promise<void> {
    try {
      await this.get(employeeId).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw wrap(err, "remove_failed");
    }
  }

  async start(employeeId: string): Promise<void> {
    try {
      await this.get(employeeId).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      if (statusOf(err) === 404)
        throw new RuntimeError(
          "container_missing",
          "there is no container for this employee on this server",
          true,
        );
      throw wrap(err, "start_failed");
    }
  }

  async waitReady(employeeId: string): Promise<Instance> {
    let timeoutMs = this.readyTimeoutMs;
    const started = Date.now();
    for (;;) {
      const info = await this.inspect(employeeId);
      timeoutMs ??= READY_TIMEOUT_MS[info?.HostConfig.Runtime === "runsc" ? "runsc" : "runc"];
      if (!info)
        throw new RuntimeError(
          "container_missing",
          "the container disappeared while starting",
          true,
        );
      if (!info.State.Running && !info.State.Restarting) {
        throw new RuntimeError(
          "container_exited",
          `the employee exited while starting (exit code ${info.State.ExitCode})`,
          true,
        );
      }
      const health = info.State.Health?.Status;
      if (info.State.Running && (health === undefined || health === "healthy")) {
        return { employeeId, containerId: info.Id, state: "running" };
      }
      if (Date.now() - started > timeoutMs) {
        throw new RuntimeError(
          "not_ready",
          `the employee was not healthy within ${Math.round(timeoutMs / 1000)} seconds`,
          true,
        );
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }
}

const withGeneration = (generation: number | undefined) =>
  generation === undefined ? {} : { generation };
