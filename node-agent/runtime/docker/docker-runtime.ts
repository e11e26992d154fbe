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
  type DataMount,
  employeeContainer,
  generationOf,
  type Limits,
  teamFilesSource,
} from "./container-config.ts";
import { statusOf, whenEngineUp, wrap } from "./docker-errors.ts";
import { watchContainers } from "./docker-events.ts";
import { archiveFolder, readFiles, removeFiles, writeFiles } from "./docker-files.ts";
import { execIn, pauseContainer, stateSource, unpauseContainer } from "./docker-state-access.ts";
import { EmployeeContainers, STOP_GRACE_S } from "./employee-containers.ts";
import { EmployeeDisks } from "./employee-disks.ts";
import { EmployeeIsolation, type Requirement, type SandboxChoice } from "./employee-isolation.ts";
import { EmployeeNetwork } from "./employee-network.ts";
import { EmployeeStorage } from "./employee-storage.ts";
import { DockerRestoreStates } from "./restore-disks.ts";
import {
  fenceStaleCopies,
  type Placement,
  pinRestartPolicies,
  pinRestartPolicy,
} from "./stale-copies.ts";
import { sweepOrphans } from "./sweep-orphans.ts";

// The tests and the e2e journeys size their waits by these.
export { READY_TIMEOUT_MS } from "./employee-containers.ts";
export const DEFAULT_DISK_BYTES = 10 * 1024 ** 3;

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
// agent remembers, so an agent or engine restart loses nothing. This class orders the steps
// (employee-containers.ts, employee-storage.ts, employee-network.ts) per employee.
export class DockerRuntime implements EmployeeRuntime {
  readonly kind = "docker" as const;
  private readonly docker: Docker;
  private readonly opts: DockerRuntimeOptions;
  private readonly locks = new SerialByKey();
  private readonly isolation: EmployeeIsolation;
  private readonly disks: EmployeeDisks;
  private readonly containers: EmployeeContainers;
  private readonly storage: EmployeeStorage;
  private readonly network: EmployeeNetwork;
  private readonly stale: StaleMarkers;
  readonly restoreStates: DockerRestoreStates;

  constructor(opts: DockerRuntimeOptions) {
    this.opts = opts;
    this.stale = new StaleMarkers(opts.stateDir ?? path.dirname(opts.disksRoot));
    this.docker = new Docker({ socketPath: opts.socketPath });
    this.disks = new EmployeeDisks(opts.disksRoot, opts.diskBytes ?? DEFAULT_DISK_BYTES);
    this.containers = new EmployeeContainers(this.docker, opts.image, opts.readyTimeoutMs);
    this.storage = new EmployeeStorage(this.docker, this.disks, opts.image, opts.log);
    this.network = new EmployeeNetwork(this.docker, opts.network);
    this.isolation = new EmployeeIsolation(
      this.docker,
      {
        sandbox: opts.sandbox ?? "auto",
        diskQuota: opts.diskQuota ?? "required",
        firewall: opts.firewall ?? "required",
        log: opts.log,
      },
      () => this.network.facts(),
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

  inventory(): Promise<Instance[]> {
    return this.containers.inventory();
  }

  provision(spec: EmployeeSpec, generation?: number): Promise<Instance> {
    return this.serial(spec.employeeId, async () => {
      let info = await this.containers.inspect(spec.employeeId);
      // Placed here anew (a newer generation than the container's): a new container on the same
      // disk, so that its label says which placement it serves.
      if (info && newer(generation, generationOf(info.Config.Labels))) {
        await this.containers.drop(spec.employeeId);
        this.stale.clear(spec.employeeId);
        info = null;
      }
      if (!info) {
        await this.containers.ensureImage();
        await this.network.ensure();
        const facts = await this.isolation.forCreate();
        let data: DataMount = { kind: "volume" };
        if (facts.disk)
          data = { kind: "disk", source: await this.storage.seededDisk(spec.employeeId) };
        else await this.storage.ensureVolume(spec);
        // The account's shared files are bind-mounted read-only; the folder must exist first.
        mkdirSync(teamFilesSource(this.opts.teamFilesRoot, spec.accountId), {
          recursive: true,
          mode: 0o755,
        });
        info = await this.containers.create(
          employeeContainer(spec, this.opts, facts.sandbox, data, generation),
          spec.employeeId,
        );
      }
      if ((await this.storage.mountDisk(spec.employeeId)) !== "none")
        await this.storage.seededDisk(spec.employeeId);
      // The workspace and openclaw.json go in before the first start, and again on every
      // provision (the gateway key rotates with each one).
      if (this.opts.configure)
        await this.writeFiles(spec.employeeId, await this.opts.configure(spec));
      await this.isolation.forStart();
      if (!info.State.Running) await this.containers.start(spec.employeeId);
      return this.containers.waitReady(spec.employeeId);
    });
  }

  start(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      await this.network.ensure();
      await this.isolation.forStart();
      await this.storage.mountDisk(employeeId);
      await this.containers.start(employeeId);
      return this.containers.waitReady(employeeId);
    });
  }

  stop(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      const container = this.containers.get(employeeId);
      try {
        await container.stop({ t: STOP_GRACE_S });
      } catch (err) {
        // 304: already stopped; 404: nothing to stop. Both mean "stopped".
        if (statusOf(err) !== 304 && statusOf(err) !== 404) throw wrap(err, "stop_failed");
      }
      await pinRestartPolicy(container, this.opts.log);
      return this.containers.instance(employeeId);
    });
  }

  restart(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
      const info = await this.containers.inspect(employeeId);
      if (!info)
        throw new RuntimeError(
          "container_missing",
          "there is no container for this employee on this server",
          true,
        );
      await this.isolation.forStart();
      await this.storage.mountDisk(employeeId);
      try {
        await this.containers.get(employeeId).restart({ t: STOP_GRACE_S });
      } catch (err) {
        throw wrap(err, "restart_failed");
      }
      return this.containers.waitReady(employeeId);
    });
  }

  remove(employeeId: string): Promise<void> {
    return this.serial(employeeId, async () => {
      await this.containers.drop(employeeId);
      await this.storage.remove(employeeId);
    });
  }

  sweepOrphans(keep: ReadonlySet<string>, graceMs: number): Promise<string[]> {
    const remove = (employeeId: string) => this.remove(employeeId);
    return sweepOrphans(this.containers, this.disks, keep, graceMs, remove, this.opts.log);
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
    await this.storage.mountDisk(employeeId);
    await writeFiles(this.containers.get(employeeId), entries);
  }

  archive(employeeId: string, relPath: string): Promise<NodeJS.ReadableStream | null> {
    return archiveFolder(this.containers.get(employeeId), relPath);
  }

  readFiles(employeeId: string, relPath: string, limits?: ReadLimits): Promise<ReadResult> {
    return readFiles(this.containers.get(employeeId), relPath, limits);
  }

  // A stopped employee gets its deletions at the sync that follows its next start.
  async removeFiles(employeeId: string, relPaths: readonly string[]): Promise<boolean> {
    if (relPaths.length === 0) return true;
    const info = await this.containers.inspect(employeeId);
    if (!info?.State.Running) return false;
    await removeFiles(this.containers.get(employeeId), relPaths);
    return true;
  }

  // Snapshots (docker-state-access.ts).
  stateSource(employeeId: string): Promise<StateSource | null> {
    return stateSource(this.containers.get(employeeId), this.disks, employeeId);
  }
  exec(employeeId: string, argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    return execIn(this.containers.get(employeeId), argv, opts);
  }
  pause(employeeId: string): Promise<void> {
    return pauseContainer(this.containers.get(employeeId));
  }
  unpause(employeeId: string): Promise<void> {
    return unpauseContainer(this.containers.get(employeeId));
  }

  /**
   * At the agent's start: remounts employees' disks (after a node reboot), then checks every
   * boundary and opens the relay's port; throws what is missing.
   */
  async prepare(opts: { relayPort: number }): Promise<void> {
    this.isolation.allowRelay(opts.relayPort);
    await pinRestartPolicies(this.docker, this.opts.network, this.opts.log);
    await this.storage.remountDisks((id, fn) => this.serial(id, fn));
    await this.network.ensure();
    await this.isolation.forCreate();
  }

  /** The runtime that isolates new employees here: runsc (gVisor) or runc. */
  isolationRuntime(): Promise<string> {
    return this.isolation.sandbox();
  }

  // The node's own address on the employee network: the access proxy and the LLM relay reach
  // containers from here, and it is the only proxy an employee's OpenClaw trusts.
  async proxyAddress(): Promise<string> {
    return (await this.network.facts()).gateway;
  }

  employeeAddresses(): Promise<Map<string, string>> {
    return this.network.employeeAddresses();
  }

  // The container's address on the private network: no port is ever published on the host.
  async endpoint(employeeId: string, port: number): Promise<{ host: string; port: number } | null> {
    const ip = this.network.addressOf(await this.containers.inspect(employeeId));
    return ip ? { host: ip, port } : null;
  }

  async close(): Promise<void> {
    await this.locks.drain();
  }

  // Commands for one employee run one after another; different employees run in parallel.
  private serial<T>(employeeId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(employeeId, () => whenEngineUp(fn, this.opts.log));
  }
}

const newer = (wanted: number | undefined, has: number | undefined) =>
  wanted !== undefined && has !== undefined && wanted > has;
