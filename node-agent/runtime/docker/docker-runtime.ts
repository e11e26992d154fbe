import { mkdirSync } from "node:fs";
import Docker from "dockerode";
import type { EmployeeSpec, Instance } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import { SerialByKey } from "../../serial-by-key.ts";
import { type EmployeeRuntime, RuntimeError, type RuntimeEvent } from "../employee-runtime.ts";
import type { ReadLimits, ReadResult, TarEntry } from "../tar.ts";
import {
  containerName,
  employeeContainer,
  LABEL_EMPLOYEE,
  LABEL_MANAGED,
  type Limits,
  teamFilesSource,
  volumeName,
} from "./container-config.ts";
import { engineUnreachable, statusOf, wrap } from "./docker-errors.ts";
import { stateFromInspect, stateFromList, watchContainers } from "./docker-events.ts";
import { readFiles, removeFiles, writeFiles } from "./docker-files.ts";
import {
  EmployeeIsolation,
  type NetworkFacts,
  type Requirement,
  type SandboxChoice,
} from "./employee-isolation.ts";

export const READY_POLL_MS = 250;
export const STOP_GRACE_S = 10;
// While the engine is unreachable (dockerd restarting), a command waits this long for it to come
// back before failing, so a routine engine restart does not burn the edge's retries.
export const ENGINE_WAIT_MS = 45_000;
export const ENGINE_POLL_MS = 500;
export const DEFAULT_DISK_BYTES = 10 * 1024 ** 3;

export interface DockerRuntimeOptions extends Limits {
  socketPath: string;
  readyTimeoutMs: number;
  log: Logger;
  /** The files to write into a new or re-provisioned employee's volume (workspace, config). */
  configure?: (spec: EmployeeSpec) => Promise<TarEntry[]>;
  /** EMPLOYEE_RUNTIME: gVisor when the engine offers it (auto), or one of them. */
  sandbox?: SandboxChoice;
  /** EMPLOYEE_DISK_GB in bytes: the size of each employee's volume. */
  diskBytes?: number;
  /** EMPLOYEE_DISK_QUOTA / EMPLOYEE_EGRESS_FIREWALL: "off" is for development only. */
  diskQuota?: Requirement;
  firewall?: Requirement;
}

// Docker is the source of truth: containers are found by name and label, never by anything the
// agent remembers, so an agent or engine restart loses nothing.
export class DockerRuntime implements EmployeeRuntime {
  readonly kind = "docker" as const;
  private readonly docker: Docker;
  private readonly opts: DockerRuntimeOptions;
  private readonly locks = new SerialByKey();
  private readonly isolation: EmployeeIsolation;

  constructor(opts: DockerRuntimeOptions) {
    this.opts = opts;
    this.docker = new Docker({ socketPath: opts.socketPath });
    this.isolation = new EmployeeIsolation(
      this.docker,
      {
        sandbox: opts.sandbox ?? "auto",
        diskBytes: opts.diskBytes ?? DEFAULT_DISK_BYTES,
        diskQuota: opts.diskQuota ?? "required",
        firewall: opts.firewall ?? "required",
        log: opts.log,
      },
      () => this.networkFacts(),
    );
  }

  static async available(socketPath: string): Promise<boolean> {
    try {
      await new Docker({ socketPath }).ping();
      return true;
    } catch {
      return false;
    }
  }

  async inventory(): Promise<Instance[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED}=true`] },
    });
    return list
      .map((c) => ({
        employeeId: c.Labels[LABEL_EMPLOYEE] ?? "",
        containerId: c.Id,
        state: stateFromList(c.State, c.Status),
      }))
      .filter((i) => i.employeeId !== "");
  }

  provision(spec: EmployeeSpec): Promise<Instance> {
    return this.serial(spec.employeeId, async () => {
      let info = await this.inspect(spec.employeeId);
      if (!info) {
        await this.ensureImage();
        await this.ensureNetwork();
        const facts = await this.isolation.forCreate();
        await this.ensureVolume(spec, facts.volumeOptions);
        // The account's shared files are bind-mounted read-only; the folder must exist first.
        mkdirSync(teamFilesSource(this.opts.teamFilesRoot, spec.userId), {
          recursive: true,
          mode: 0o755,
        });
        try {
          await this.docker.createContainer(employeeContainer(spec, this.opts, facts.sandbox));
        } catch (err) {
          // 409: it exists after all (created by an earlier attempt); use it, never recreate.
          if (statusOf(err) !== 409) throw wrap(err, "create_failed");
        }
        info = await this.inspect(spec.employeeId);
        if (!info)
          throw new RuntimeError(
            "create_failed",
            "the container vanished right after it was created",
            true,
          );
      }
      // The workspace and openclaw.json go in before the first start, and again on every
      // provision (the gateway key rotates with each one).
      if (this.opts.configure)
        await this.writeFiles(spec.employeeId, await this.opts.configure(spec));
      await this.isolation.forStart();
      if (!info.State.Running) await this.startContainer(spec.employeeId);
      return this.waitReady(spec.employeeId);
    });
  }

  start(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      await this.ensureNetwork();
      await this.isolation.forStart();
      await this.startContainer(employeeId);
      return this.waitReady(employeeId);
    });
  }

  stop(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      try {
        await this.docker.getContainer(containerName(employeeId)).stop({ t: STOP_GRACE_S });
      } catch (err) {
        // 304: already stopped; 404: nothing to stop. Both mean "stopped".
        if (statusOf(err) !== 304 && statusOf(err) !== 404) throw wrap(err, "stop_failed");
      }
      return this.instance(employeeId);
    });
  }

  restart(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      const info = await this.inspect(employeeId);
      if (!info)
        throw new RuntimeError(
          "container_missing",
          "there is no container for this employee on this server",
          true,
        );
      await this.isolation.forStart();
      try {
        await this.docker.getContainer(containerName(employeeId)).restart({ t: STOP_GRACE_S });
      } catch (err) {
        throw wrap(err, "restart_failed");
      }
      return this.waitReady(employeeId);
    });
  }

  remove(employeeId: string): Promise<void> {
    return this.serial(employeeId, async () => {
      try {
        await this.docker.getContainer(containerName(employeeId)).remove({ force: true });
      } catch (err) {
        if (statusOf(err) !== 404) throw wrap(err, "remove_failed");
      }
      try {
        await this.docker.getVolume(volumeName(employeeId)).remove();
      } catch (err) {
        if (statusOf(err) !== 404) throw wrap(err, "remove_failed");
      }
    });
  }

  async sweepOrphans(keep: ReadonlySet<string>, graceMs: number): Promise<string[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED}=true`] },
    });
    const removed: string[] = [];
    for (const c of list) {
      const employeeId = c.Labels[LABEL_EMPLOYEE];
      if (!employeeId || keep.has(employeeId)) continue;
      if (Date.now() - c.Created * 1000 < graceMs) continue;
      this.opts.log.warn(
        { employeeId, containerId: c.Id },
        "removing a container the edge does not know",
      );
      await this.remove(employeeId);
      removed.push(employeeId);
    }
    return removed;
  }

  watch(onEvent: (e: RuntimeEvent) => void): () => void {
    return watchContainers(this.docker, () => this.inventory(), this.opts.log, onEvent);
  }

  writeFiles(employeeId: string, entries: readonly TarEntry[]): Promise<void> {
    return writeFiles(this.docker.getContainer(containerName(employeeId)), entries);
  }

  readFiles(employeeId: string, relPath: string, limits?: ReadLimits): Promise<ReadResult> {
    return readFiles(this.docker.getContainer(containerName(employeeId)), relPath, limits);
  }

  // A stopped employee gets its deletions at the sync that follows its next start.
  async removeFiles(employeeId: string, relPaths: readonly string[]): Promise<boolean> {
    if (relPaths.length === 0) return true;
    const info = await this.inspect(employeeId);
    if (!info?.State.Running) return false;
    await removeFiles(this.docker.getContainer(containerName(employeeId)), relPaths);
    return true;
  }

  /** Checks every boundary at start and opens the relay's port; throws what is missing. */
  async prepare(opts: { relayPort: number }): Promise<void> {
    this.isolation.allowRelay(opts.relayPort);
    await this.ensureNetwork();
    await this.isolation.forCreate();
  }

  /** The runtime that isolates new employees here: runsc (gVisor) or runc. */
  isolationRuntime(): Promise<string> {
    return this.isolation.sandbox();
  }

  // The node's own address on the employee network: the access proxy and the LLM relay reach
  // containers from here, and it is the only proxy an employee's OpenClaw trusts.
  async proxyAddress(): Promise<string> {
    return (await this.networkFacts()).gateway;
  }

  // The container's address on the private network: no port is ever published on the host.
  async endpoint(employeeId: string, port: number): Promise<{ host: string; port: number } | null> {
    const info = await this.inspect(employeeId);
    const ip = info?.State.Running
      ? info.NetworkSettings.Networks[this.opts.network]?.IPAddress
      : undefined;
    return ip ? { host: ip, port } : null;
  }

  async close(): Promise<void> {
    await this.locks.drain();
  }

  // ---- internals ----

  // Commands for one employee run one after another; different employees run in parallel.
  private serial<T>(employeeId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(employeeId, () => this.whenEngineUp(fn));
  }

  private async whenEngineUp<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + ENGINE_WAIT_MS;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!engineUnreachable(err) || Date.now() > deadline) throw err;
        this.opts.log.warn({ err: String(err) }, "docker engine unreachable; waiting for it");
        await new Promise((r) => setTimeout(r, ENGINE_POLL_MS));
      }
    }
  }

  private async inspect(employeeId: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.docker.getContainer(containerName(employeeId)).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw wrap(err, "inspect_failed");
    }
  }

  private async instance(employeeId: string): Promise<Instance> {
    const info = await this.inspect(employeeId);
    if (!info) return { employeeId, containerId: null, state: "missing" };
    return { employeeId, containerId: info.Id, state: stateFromInspect(info) };
  }

  private async startContainer(employeeId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerName(employeeId)).start();
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

  private async waitReady(employeeId: string): Promise<Instance> {
    const deadline = Date.now() + this.opts.readyTimeoutMs;
    for (;;) {
      const info = await this.inspect(employeeId);
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
      if (Date.now() > deadline) {
        throw new RuntimeError(
          "not_ready",
          `the employee was not healthy within ${Math.round(this.opts.readyTimeoutMs / 1000)} seconds`,
          true,
        );
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }

  private async ensureImage(): Promise<void> {
    try {
      await this.docker.getImage(this.opts.image).inspect();
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new RuntimeError(
          "image_missing",
          `the employee image ${this.opts.image} is not on this server`,
          false,
        );
      }
      throw wrap(err, "image_check_failed");
    }
  }

  // Once per runtime, and with CheckDuplicate: Docker otherwise accepts a second network of the
  // same name when two first provisions race, and every later lookup by name is then ambiguous.
  private networkReady: Promise<void> | undefined;
  private ensureNetwork(): Promise<void> {
    this.networkReady ??= (async () => {
      const existing = await this.docker.listNetworks({ filters: { name: [this.opts.network] } });
      if (existing.some((n) => n.Name === this.opts.network)) return;
      try {
        await this.docker.createNetwork({
          Name: this.opts.network,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: { [LABEL_MANAGED]: "true" },
          // Employees cannot reach each other: each is its own trust boundary.
          Options: { "com.docker.network.bridge.enable_icc": "false" },
        });
      } catch (err) {
        if (statusOf(err) !== 409) throw wrap(err, "network_failed");
      }
    })().catch((err: unknown) => {
      this.networkReady = undefined;
      throw err;
    });
    return this.networkReady;
  }

  private async networkFacts(): Promise<NetworkFacts> {
    await this.ensureNetwork();
    const net = (await this.docker.getNetwork(this.opts.network).inspect()) as {
      Id: string;
      EnableIPv6?: boolean;
      Options?: Record<string, string>;
      IPAM?: { Config?: { Gateway?: string }[] };
    };
    const gateway = net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (!gateway) throw new Error(`docker network ${this.opts.network} has no gateway address`);
    return {
      gateway,
      bridge: net.Options?.["com.docker.network.bridge.name"] ?? `br-${net.Id.slice(0, 12)}`,
      ipv6: net.EnableIPv6 === true,
    };
  }

  // A volume keeps the options it was made with: one made before sizes were enforced stays
  // unbounded until the employee is re-created, which the log says.
  private async ensureVolume(
    spec: EmployeeSpec,
    driverOpts: Record<string, string>,
  ): Promise<void> {
    const name = volumeName(spec.employeeId);
    const existing = await this.docker
      .getVolume(name)
      .inspect()
      .catch((err: unknown) => {
        if (statusOf(err) === 404) return null;
        throw wrap(err, "volume_failed");
      });
    if (existing) {
      const size = (existing as { Options?: Record<string, string> | null }).Options?.size;
      if (driverOpts.size && !size)
        this.opts.log.warn(
          { employeeId: spec.employeeId },
          "this employee's volume has no size limit (made before limits)",
        );
      return;
    }
    await this.docker.createVolume({
      Name: name,
      Driver: "local",
      DriverOpts: driverOpts,
      Labels: { [LABEL_MANAGED]: "true", [LABEL_EMPLOYEE]: spec.employeeId },
    });
  }
}
