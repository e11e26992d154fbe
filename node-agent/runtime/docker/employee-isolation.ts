import type Docker from "dockerode";
import type { Logger } from "../../logger.ts";
import { RuntimeError } from "../employee-runtime.ts";
import { wrap } from "./docker-errors.ts";
import { EgressFirewall, type EgressPlan, hostResolvers } from "./egress-firewall.ts";
import type { EmployeeDisks } from "./employee-disks.ts";

// What must hold on this node before an employee container is created or started, because
// everything inside one is hostile:
//   - a kernel boundary: gVisor (runsc) when the engine offers it, so a kernel bug reachable from
//     the container is a bug in gVisor's sentry, not a node takeover;
//   - a disk boundary: each employee's /data is a file system of its own with a fixed size
//     (employee-disks.ts), so no employee can fill the node's disk;
//   - a network boundary: the egress rules (egress-firewall.ts).
// Provisioning is refused with a sentence the customer sees when one is missing. The disk limit
// and the firewall can be switched off for development only.

export type SandboxChoice = "auto" | "runsc" | "runc";
export type Requirement = "required" | "off";
export type Sandbox = "runsc" | "runc";

export interface IsolationOptions {
  sandbox: SandboxChoice;
  diskQuota: Requirement;
  firewall: Requirement;
  log: Logger;
}

export interface NetworkFacts {
  bridge: string;
  gateway: string;
  ipv6: boolean;
}

interface EngineFacts {
  sandbox: Sandbox;
  /** Why employees' disks cannot be made here; null when they can. */
  diskProblem: string | null;
}

export interface CreateFacts {
  sandbox: Sandbox;
  /** A disk of its own (employee-disks.ts), or an unbounded Docker volume (development). */
  disk: boolean;
}

export class EmployeeIsolation {
  private readonly docker: Docker;
  private readonly opts: IsolationOptions;
  private readonly network: () => Promise<NetworkFacts>;
  private readonly disks: EmployeeDisks;
  private readonly firewall = new EgressFirewall();
  private relayPort = 0;
  private engineFacts: Promise<EngineFacts> | undefined;

  constructor(
    docker: Docker,
    opts: IsolationOptions,
    network: () => Promise<NetworkFacts>,
    disks: EmployeeDisks,
  ) {
    this.docker = docker;
    this.opts = opts;
    this.network = network;
    this.disks = disks;
  }

  /** Opens the relay's port to employees (the only port of the node they reach). */
  allowRelay(port: number): void {
    this.relayPort = port;
  }

  /** The runtime new employee containers get: what the hello reports. */
  async sandbox(): Promise<Sandbox> {
    return (await this.engine()).sandbox;
  }

  /** Before a container is created: every boundary, and what the container and volume need. */
  async forCreate(): Promise<CreateFacts> {
    const engine = await this.engine();
    if (this.opts.diskQuota === "required" && engine.diskProblem !== null)
      throw new RuntimeError(
        "isolation_unavailable",
        `this server cannot limit an employee's disk space (${engine.diskProblem.slice(0, 300)}); the operator must fix the server`,
        false,
      );
    if (this.opts.firewall === "required") await this.ensureFirewall();
    return { sandbox: engine.sandbox, disk: engine.diskProblem === null };
  }

  /** Before an existing container starts again. */
  async forStart(): Promise<void> {
    if (this.opts.firewall === "required") await this.ensureFirewall();
  }

  // The rules are checked every time (a few reads) and put back when something removed them
  // (a firewall reload, a reboot): only when that fails is the employee refused.
  private async ensureFirewall(): Promise<void> {
    const net = await this.network();
    const plan: EgressPlan = {
      bridge: net.bridge,
      gateway: net.gateway,
      relayPort: this.relayPort,
      resolvers: hostResolvers(),
      ipv6: net.ipv6,
    };
    let missing = await this.firewall.check(plan).catch((err: unknown) => String(err));
    if (!missing) return;
    try {
      await this.firewall.install(plan);
      missing = await this.firewall.check(plan);
    } catch (err) {
      missing = err instanceof Error ? err.message : String(err);
    }
    if (missing) {
      this.opts.log.error({ bridge: plan.bridge, problem: missing }, "egress rules missing");
      throw new RuntimeError(
        "isolation_unavailable",
        `this server cannot wall off employees' network access (${missing.slice(0, 300)}); the operator must fix the server`,
        false,
      );
    }
    this.opts.log.info(
      { bridge: plan.bridge, relayPort: plan.relayPort, resolvers: plan.resolvers },
      "egress rules installed",
    );
  }

  // Once per runtime when it succeeds; a failure is asked again next time (the engine may have
  // been fixed meanwhile). A disk problem is remembered too: loop devices do not come and go.
  private engine(): Promise<EngineFacts> {
    this.engineFacts ??= (async () => {
      const sandbox = await this.pickSandbox();
      const diskProblem = this.opts.diskQuota === "required" ? await this.disks.probe() : "off";
      this.opts.log.info({ sandbox, disks: diskProblem ?? this.disks.root }, "employee isolation");
      if (diskProblem !== null)
        this.opts.log[this.opts.diskQuota === "required" ? "error" : "warn"](
          { problem: diskProblem },
          this.opts.diskQuota === "required"
            ? "employees' disks cannot be made here (loop devices, mount and mkfs.ext4 as root are needed): provisioning is refused"
            : "EMPLOYEE_DISK_QUOTA=off: employees' data lives in unbounded Docker volumes (development only)",
        );
      return { sandbox, diskProblem };
    })().catch((err: unknown) => {
      this.engineFacts = undefined;
      throw err;
    });
    return this.engineFacts;
  }

  private async pickSandbox(): Promise<Sandbox> {
    if (this.opts.sandbox === "runc") return "runc";
    const info = (await this.docker.info().catch((err: unknown) => {
      throw wrap(err, "engine_info_failed");
    })) as { Runtimes?: Record<string, unknown> };
    const offered = Object.keys(info.Runtimes ?? {});
    if (offered.includes("runsc")) return "runsc";
    if (this.opts.sandbox === "runsc")
      throw new RuntimeError(
        "isolation_unavailable",
        "this server's Docker engine has no gVisor runtime (runsc), which its configuration requires; the operator must fix the server",
        false,
      );
    this.opts.log.warn(
      { offered },
      "Docker offers no runsc runtime: employees run under runc, sharing the node's kernel",
    );
    return "runc";
  }
}
