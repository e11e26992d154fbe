import { mkdirSync } from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import type { EmployeeSpec, Instance } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import { SerialByKey } from "../../serial-by-key.ts";
import {
  type EmployeeRuntime,
  type ExecOptions,
  type ExecResult,
  RuntimeError,
  type RuntimeEvent,
  type StateSource,
} from "../employee-runtime.ts";
import { StaleMarkers } from "../stale-markers.ts";
import type { ReadLimits, ReadResult, TarEntry } from "../tar.ts";
import {
  containerName,
  type DataMount,
  employeeContainer,
  generationOf,
  LABEL_EMPLOYEE,
  LABEL_MANAGED,
  type Limits,
  teamFilesSource,
  volumeName,
} from "./container-config.ts";
import { engineUnreachable, statusOf, wrap } from "./docker-errors.ts";
import { stateFromInspect, stateFromList, watchContainers } from "./docker-events.ts";
import {
  archiveFolder,
  readFiles,
  removeFiles,
  seedFromImage,
  writeFiles,
} from "./docker-files.ts";
import { execIn, pauseContainer, stateSource, unpauseContainer } from "./docker-state-access.ts";
import { EmployeeDisks } from "./employee-disks.ts";
import {
  EmployeeIsolation,
  type NetworkFacts,
  type Requirement,
  type Sandbox,
  type SandboxChoice,
} from "./employee-isolation.ts";
import { DockerRestoreStates } from "./restore-disks.ts";
import {
  fenceStaleCopies,
  type Placement,
  pinRestartPolicies,
  pinRestartPolicy,
} from "./stale-copies.ts";

export const READY_POLL_MS = 250;
export const STOP_GRACE_S = 10;
// While the engine is unreachable (dockerd restarting), a command waits this long for it to come
// back before failing, so a routine engine restart does not burn the edge's retries.
export const ENGINE_WAIT_MS = 45_000;
export const ENGINE_POLL_MS = 500;
export const DEFAULT_DISK_BYTES = 10 * 1024 ** 3;
// From start to healthy, by runtime: OpenClaw is ready in 10–40 s under runc on an idle node;
// gVisor takes 2–3 times as long (up to ~250 s on an overloaded 2-core node; README, "gVisor").
export const READY_TIMEOUT_MS: Record<Sandbox, number> = { runc: 120_000, runsc: 360_000 };

export interface DockerRuntimeOptions extends Limits {
  socketPath: string;
  /** Start to healthy; READY_TIMEOUT_MS for the runtime in use when unset. */
  readyTimeoutMs?: number;
  /** Where employees' disk images and their mount points live (STATE_DIR/disks). */
  disksRoot: string;
  /** The agent's STATE_DIR (stale copies' markers); the parent of disksRoot when unset. */
  stateDir?: string;
  log: Logger;
  /** The files to write into a new or re-provisioned employee's volume (workspace, config). */
  configure?: (spec: EmployeeSpec) => Promise<TarEntry[]>;
  /** EMPLOYEE_RUNTIME: gVisor when the engine offers it (auto), or one of them. */
  sandbox?: SandboxChoice;
  /** EMPLOYEE_DISK_GB in bytes: the size of each employee's disk. */
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
  private readonly disks: EmployeeDisks;
  private readonly stale: StaleMarkers;
  readonly restoreStates: DockerRestoreStates;

  constructor(opts: DockerRuntimeOptions) {
    this.opts = opts;
    this.stale = new StaleMarkers(opts.stateDir ?? path.dirname(opts.disksRoot));
    this.docker = new Docker({ socketPath: opts.socketPath });
    this.disks = new EmployeeDisks(opts.disksRoot, opts.diskBytes ?? DEFAULT_DISK_BYTES);
    this.isolation = new EmployeeIsolation(
      this.docker,
      {
        sandbox: opts.sandbox ?? "auto",
        diskQuota: opts.diskQuota ?? "required",
        firewall: opts.firewall ?? "required",
        log: opts.log,
      },
      () => this.networkFacts(),
      this.disks,
    );
    this.restoreStates = new DockerRestoreStates(
      this.docker,
      this.disks,
      opts.image,
      async () => (await this.isolation.forCreate()).disk,
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
        ...withGeneration(generationOf(c.Labels)),
      }))
      .filter((i) => i.employeeId !== "");
  }

  provision(spec: EmployeeSpec, generation?: number): Promise<Instance> {
    return this.serial(spec.employeeId, async () => {
      let info = await this.inspect(spec.employeeId);
      // Placed here anew (a newer generation than the container's): a new container on the same
      // disk, so that its label says which placement it serves.
      if (info && newer(generation, generationOf(info.Config.Labels))) {
        await this.dropContainer(spec.employeeId);
        this.stale.clear(spec.employeeId);
        info = null;
      }
      if (!info) {
        await this.ensureImage();
        await this.ensureNetwork();
        const facts = await this.isolation.forCreate();
        let data: DataMount = { kind: "volume" };
        if (facts.disk) data = { kind: "disk", source: await this.seededDisk(spec.employeeId) };
        else await this.ensureVolume(spec);
        // The account's shared files are bind-mounted read-only; the folder must exist first.
        mkdirSync(teamFilesSource(this.opts.teamFilesRoot, spec.accountId), {
          recursive: true,
          mode: 0o755,
        });
        try {
          await this.docker.createContainer(
            employeeContainer(spec, this.opts, facts.sandbox, data, generation),
          );
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
      if ((await this.mountDisk(spec.employeeId)) !== "none")
        await this.seededDisk(spec.employeeId);
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
      await this.mountDisk(employeeId);
      await this.startContainer(employeeId);
      return this.waitReady(employeeId);
    });
  }

  stop(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      const container = this.docker.getContainer(containerName(employeeId));
      try {
        await container.stop({ t: STOP_GRACE_S });
      } catch (err) {
        // 304: already stopped; 404: nothing to stop. Both mean "stopped".
        if (statusOf(err) !== 304 && statusOf(err) !== 404) throw wrap(err, "stop_failed");
      }
      await pinRestartPolicy(container, this.opts.log);
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
      await this.mountDisk(employeeId);
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
      await this.disks.remove(employeeId).catch((err: unknown) => {
        throw diskFailure(err, "remove_failed");
      });
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
    // A disk without a container: left by a provision that failed between the two.
    const withContainer = new Set(list.map((c) => c.Labels[LABEL_EMPLOYEE]));
    for (const { employeeId, createdMs } of await this.disks.list()) {
      if (keep.has(employeeId) || withContainer.has(employeeId)) continue;
      if (Date.now() - createdMs < graceMs) continue;
      this.opts.log.warn({ employeeId }, "removing a disk no container uses");
      await this.remove(employeeId);
      removed.push(employeeId);
    }
    return removed;
  }

  /** At a reconcile: stops stale copies (stale-copies.ts); answers the ones still kept. */
  async fenceStale(
    placements: readonly Placement[],
    keep: ReadonlySet<string>,
  ): Promise<Set<string>> {
    return fenceStaleCopies(
      await this.inventory(),
      placements,
      keep,
      this.stale,
      this,
      this.opts.log,
    );
  }

  watch(onEvent: (e: RuntimeEvent) => void): () => void {
    return watchContainers(this.docker, () => this.inventory(), this.opts.log, onEvent);
  }

  async writeFiles(employeeId: string, entries: readonly TarEntry[]): Promise<void> {
    // Never into the bare mount point on the node's own disk.
    await this.mountDisk(employeeId);
    await writeFiles(this.docker.getContainer(containerName(employeeId)), entries);
  }

  archive(employeeId: string, relPath: string): Promise<NodeJS.ReadableStream | null> {
    return archiveFolder(this.docker.getContainer(containerName(employeeId)), relPath);
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

  // Snapshots (docker-state-access.ts).
  stateSource(employeeId: string): Promise<StateSource | null> {
    return stateSource(this.docker.getContainer(containerName(employeeId)), this.disks, employeeId);
  }
  exec(employeeId: string, argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    return execIn(this.docker.getContainer(containerName(employeeId)), argv, opts);
  }
  pause(employeeId: string): Promise<void> {
    return pauseContainer(this.docker.getContainer(containerName(employeeId)));
  }
  unpause(employeeId: string): Promise<void> {
    return unpauseContainer(this.docker.getContainer(containerName(employeeId)));
  }

  /**
   * At the agent's start: remounts employees' disks (after a node reboot), then checks every
   * boundary and opens the relay's port; throws what is missing.
   */
  async prepare(opts: { relayPort: number }): Promise<void> {
    this.isolation.allowRelay(opts.relayPort);
    await pinRestartPolicies(this.docker, this.opts.network, this.opts.log);
    await this.remountDisks();
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

  async employeeAddresses(): Promise<Map<string, string>> {
    const list = await this.docker.listContainers({
      filters: { label: [`${LABEL_MANAGED}=true`], network: [this.opts.network] },
    });
    const byAddress = new Map<string, string>();
    const claimed = new Set<string>();
    for (const c of list) {
      const employeeId = c.Labels[LABEL_EMPLOYEE];
      const ip = c.NetworkSettings?.Networks?.[this.opts.network]?.IPAddress;
      if (!employeeId || !ip) continue;
      if (claimed.has(ip)) byAddress.delete(ip);
      else byAddress.set(ip, employeeId);
      claimed.add(ip);
    }
    return byAddress;
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

  private async dropContainer(employeeId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerName(employeeId)).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw wrap(err, "remove_failed");
    }
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
    let timeoutMs = this.opts.readyTimeoutMs;
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

  // A new disk starts as the image's /data, as a new Docker volume does (a crash before the
  // copy is made good by the next provision: the disk is still empty).
  private async seededDisk(employeeId: string): Promise<string> {
    const { source, empty } = await this.disks.ensure(employeeId).catch((err: unknown) => {
      throw diskFailure(err, "disk_failed");
    });
    if (empty)
      await seedFromImage(
        this.docker,
        this.opts.image,
        source,
        `${containerName(employeeId)}-seed`,
      );
    return source;
  }

  private async mountDisk(employeeId: string): Promise<"none" | "mounted" | "already"> {
    return this.disks.mount(employeeId).catch((err: unknown) => {
      throw diskFailure(err, "disk_failed");
    });
  }

  // After a reboot each disk is mounted again. A container made before RESTART_POLICY was "no"
  // may have been started by dockerd before the agent ran, with its bare mount point bound at
  // /data (root's: the employee cannot write there): it is stopped.
  private async remountDisks(): Promise<void> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED}=true`] },
    });
    for (const c of list) {
      const employeeId = c.Labels[LABEL_EMPLOYEE];
      if (!employeeId) continue;
      await this.serial(employeeId, async () => {
        const mounted = await this.mountDisk(employeeId);
        if (mounted !== "mounted" || c.State !== "running") return;
        // Not restarted onto its disk here: nothing runs before the edge's reconcile (it may be
        // a stale copy); the edge starts it again after the hello if it is still ours.
        this.opts.log.warn({ employeeId }, "stopping an employee dockerd started without its disk");
        try {
          await this.docker.getContainer(c.Id).stop({ t: STOP_GRACE_S });
        } catch (err) {
          if (statusOf(err) !== 304) throw wrap(err, "stop_failed");
        }
      }).catch((err: unknown) => {
        this.opts.log.error({ employeeId, err: String(err) }, "could not mount an employee's disk");
      });
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

  // Development only (EMPLOYEE_DISK_QUOTA=off): an unbounded Docker volume, which Docker fills
  // from the image's /data.
  private async ensureVolume(spec: EmployeeSpec): Promise<void> {
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
}

const withGeneration = (generation: number | undefined) =>
  generation === undefined ? {} : { generation };
const newer = (wanted: number | undefined, has: number | undefined) =>
  wanted !== undefined && has !== undefined && wanted > has;

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
