import { mkdirSync } from "node:fs";
import Docker from "dockerode";
import { backoffDelay } from "../../../edge/protocol/backoff.ts";
import type { EmployeeSpec, Instance, InstanceState } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import { SerialByKey } from "../../serial-by-key.ts";
import { type EmployeeRuntime, RuntimeError, type RuntimeEvent } from "../employee-runtime.ts";
import { packTar, type TarEntry, type UnpackedEntry, unpackTar } from "../tar.ts";
import {
  containerName,
  DATA_DIR,
  employeeContainer,
  LABEL_EMPLOYEE,
  LABEL_MANAGED,
  type Limits,
  teamFilesSource,
  volumeName,
} from "./container-config.ts";
import { EventLines } from "./event-lines.ts";

export const READY_POLL_MS = 250;
export const STOP_GRACE_S = 10;
export const EVENTS_RETRY_BASE_MS = 500;
export const EVENTS_RETRY_MAX_MS = 10_000;
// While the engine is unreachable (dockerd restarting), a command waits this long for it to come
// back before failing, so a routine engine restart does not burn the edge's retries.
export const ENGINE_WAIT_MS = 45_000;
export const ENGINE_POLL_MS = 500;

interface DockerError {
  statusCode?: number;
  message?: string;
}
const statusOf = (err: unknown) => (err as DockerError)?.statusCode;

export interface DockerRuntimeOptions extends Limits {
  socketPath: string;
  readyTimeoutMs: number;
  log: Logger;
  /** The files to write into a new or re-provisioned employee's volume (workspace, config). */
  configure?: (spec: EmployeeSpec) => Promise<TarEntry[]>;
}

// Docker is the source of truth: containers are found by name and label, never by anything the
// agent remembers, so an agent or engine restart loses nothing.
export class DockerRuntime implements EmployeeRuntime {
  readonly kind = "docker" as const;
  private readonly docker: Docker;
  private readonly opts: DockerRuntimeOptions;
  private readonly locks = new SerialByKey();

  constructor(opts: DockerRuntimeOptions) {
    this.opts = opts;
    this.docker = new Docker({ socketPath: opts.socketPath });
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
        await this.ensureVolume(spec);
        // The account's shared files are bind-mounted read-only; the folder must exist first.
        mkdirSync(teamFilesSource(this.opts.teamFilesRoot, spec.userId), {
          recursive: true,
          mode: 0o755,
        });
        try {
          await this.docker.createContainer(employeeContainer(spec, this.opts));
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
      if (!info.State.Running) await this.startContainer(spec.employeeId);
      return this.waitReady(spec.employeeId);
    });
  }

  start(employeeId: string): Promise<Instance> {
    return this.serial(employeeId, async () => {
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
    let stopped = false;
    let stream: NodeJS.ReadableStream | undefined;
    let attempt = 0;
    const connect = async () => {
      if (stopped) return;
      try {
        stream = (await this.docker.getEvents({
          filters: { type: ["container"], label: [`${LABEL_MANAGED}=true`] },
        })) as NodeJS.ReadableStream;
      } catch (err) {
        return retry(err);
      }
      if (attempt > 0) {
        // The engine was away (restarted?): say what is true now, since events were missed.
        this.opts.log.info("docker events stream re-established; reporting current states");
        for (const i of await this.inventory().catch(() => [])) {
          if (i.state === "stopped")
            onEvent({
              type: "stopped",
              employeeId: i.employeeId,
              containerId: i.containerId,
              exitCode: null,
            });
          else if (i.state === "running" || i.state === "unhealthy") {
            onEvent({
              type: "health",
              employeeId: i.employeeId,
              containerId: i.containerId,
              health: i.state === "running" ? "healthy" : "unhealthy",
            });
          }
        }
      }
      attempt = 0;
      const lines = new EventLines(
        (line) => {
          try {
            const event = toRuntimeEvent(line);
            if (event) onEvent(event);
          } catch (err) {
            this.opts.log.error({ err: String(err) }, "a docker event could not be handled");
          }
        },
        () => this.opts.log.warn("dropped a docker event line longer than any event"),
      );
      stream.on("data", (chunk: Buffer) => lines.push(chunk));
      stream.on("error", (err) => retry(err));
      stream.on("end", () => retry(new Error("docker events stream ended")));
    };
    const retry = (err: unknown) => {
      if (stopped) return;
      attempt++;
      const delay = backoffDelay(attempt, {
        baseMs: EVENTS_RETRY_BASE_MS,
        maxMs: EVENTS_RETRY_MAX_MS,
      });
      this.opts.log.warn({ err, delayMs: delay }, "docker events stream lost; reconnecting");
      stream?.removeAllListeners();
      setTimeout(connect, delay);
    };
    void connect();
    return () => {
      stopped = true;
      stream?.removeAllListeners();
      (stream as unknown as { destroy?: () => void })?.destroy?.();
    };
  }

  // Docker's archive API works on created, running and stopped containers alike and needs no
  // shell in the image; paths are relative to the volume (/data).
  async writeFiles(employeeId: string, entries: readonly TarEntry[]): Promise<void> {
    try {
      await this.docker
        .getContainer(containerName(employeeId))
        .putArchive(packTar(entries), { path: DATA_DIR });
    } catch (err) {
      if (statusOf(err) === 404)
        throw new RuntimeError(
          "container_missing",
          "there is no container for this employee",
          true,
        );
      throw wrap(err, "write_failed");
    }
  }

  async readFiles(employeeId: string, relPath: string): Promise<UnpackedEntry[]> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker
        .getContainer(containerName(employeeId))
        .getArchive({ path: `${DATA_DIR}/${relPath}` })) as NodeJS.ReadableStream;
    } catch (err) {
      if (statusOf(err) === 404) return []; // no such container or path
      throw wrap(err, "read_failed");
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return unpackTar(Buffer.concat(chunks));
  }

  // Deleting needs the container running (there is no "delete" in the archive API); a stopped
  // employee gets its deletions at the sync that follows its next start.
  async removeFiles(employeeId: string, relPaths: readonly string[]): Promise<boolean> {
    if (relPaths.length === 0) return true;
    const info = await this.inspect(employeeId);
    if (!info?.State.Running) return false;
    const exec = await this.docker.getContainer(containerName(employeeId)).exec({
      Cmd: ["rm", "-f", "--", ...relPaths.map((p) => `${DATA_DIR}/${p}`)],
      User: "1000:1000",
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.resume();
    });
    const done = await exec.inspect();
    if (done.ExitCode !== 0)
      throw new RuntimeError("delete_failed", "could not delete files", true);
    return true;
  }

  // The node's own address on the employee network: the access proxy and the LLM relay reach
  // containers from here, and it is the only proxy an employee's OpenClaw trusts.
  async proxyAddress(): Promise<string> {
    await this.ensureNetwork();
    const net = await this.docker.getNetwork(this.opts.network).inspect();
    const gateway = (net as { IPAM?: { Config?: { Gateway?: string }[] } }).IPAM?.Config?.find(
      (c) => c.Gateway,
    )?.Gateway;
    if (!gateway) throw new Error(`docker network ${this.opts.network} has no gateway address`);
    return gateway;
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

  private async ensureVolume(spec: EmployeeSpec): Promise<void> {
    await this.docker.createVolume({
      Name: volumeName(spec.employeeId),
      Labels: { [LABEL_MANAGED]: "true", [LABEL_EMPLOYEE]: spec.employeeId },
    });
  }
}

function engineUnreachable(err: unknown): boolean {
  const text =
    String((err as { cause?: unknown })?.cause ?? "") + String((err as Error)?.message ?? err);
  return /ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|socket hang up/.test(text);
}

function wrap(err: unknown, code: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (engineUnreachable(err)) throw err; // let whenEngineUp wait for the engine
  const message = (err as DockerError)?.message ?? String(err);
  // Anything from the engine may pass (it restarts, it is busy): let the edge try again.
  return new RuntimeError(code, message.slice(0, 500), true);
}

function stateFromList(state: string, status: string): InstanceState {
  if (state === "running") {
    if (status.includes("(unhealthy)")) return "unhealthy";
    if (status.includes("(health: starting)")) return "starting";
    return "running";
  }
  if (state === "created") return "created";
  if (state === "restarting") return "starting";
  return "stopped";
}

function stateFromInspect(info: Docker.ContainerInspectInfo): InstanceState {
  if (info.State.Running) {
    const health = info.State.Health?.Status;
    if (health === "unhealthy") return "unhealthy";
    if (health === "starting") return "starting";
    return "running";
  }
  if (info.State.Status === "created") return "created";
  return "stopped";
}

interface DockerEventLine {
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function toRuntimeEvent(line: string): RuntimeEvent | null {
  let e: DockerEventLine;
  try {
    e = JSON.parse(line) as DockerEventLine;
  } catch {
    return null;
  }
  // Anything but the shape Docker sends (null, arrays, numbers where strings go) is not an event.
  if (!e || typeof e !== "object") return null;
  const employeeId = e.Actor?.Attributes?.[LABEL_EMPLOYEE];
  const containerId = typeof e.Actor?.ID === "string" ? e.Actor.ID : null;
  if (typeof employeeId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(employeeId)) return null;
  if (typeof e.Action !== "string") return null;
  switch (e.Action) {
    case "create":
      return { type: "created", employeeId, containerId };
    case "start":
      return { type: "started", employeeId, containerId };
    case "die": {
      const code = Number(e.Actor?.Attributes?.exitCode);
      return {
        type: "stopped",
        employeeId,
        containerId,
        exitCode: Number.isFinite(code) ? code : null,
      };
    }
    case "destroy":
      return { type: "removed", employeeId, containerId };
    case "health_status: healthy":
      return { type: "health", employeeId, containerId, health: "healthy" };
    case "health_status: unhealthy":
      return { type: "health", employeeId, containerId, health: "unhealthy" };
    default:
      return null;
  }
}
