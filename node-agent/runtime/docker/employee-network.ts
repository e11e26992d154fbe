import type Docker from "dockerode";
import { LABEL_EMPLOYEE, LABEL_MANAGED } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";
import type { NetworkFacts } from "./employee-isolation.ts";

// The private bridge every employee container joins: made once, with inter-container traffic
// off, and read for what the firewall, the access proxy and the LLM relay need (its gateway,
// its bridge, who holds which address). No port is ever published on the host.
export class EmployeeNetwork {
  private readonly docker: Docker;
  readonly name: string;
  private ready: Promise<void> | undefined;

  constructor(docker: Docker, name: string) {
    this.docker = docker;
    this.name = name;
  }

  // Once per runtime, and with CheckDuplicate: Docker otherwise accepts a second network of the
  // same name when two first provisions race, and every later lookup by name is then ambiguous.
  ensure(): Promise<void> {
    this.ready ??= (async () => {
      const existing = await this.docker.listNetworks({ filters: { name: [this.name] } });
      if (existing.some((n) => n.Name === this.name)) return;
      try {
        await this.docker.createNetwork({
          Name: this.name,
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
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async facts(): Promise<NetworkFacts> {
    await this.ensure();
    const net = (await this.docker.getNetwork(this.name).inspect()) as {
      Id: string;
      EnableIPv6?: boolean;
      Options?: Record<string, string>;
      IPAM?: { Config?: { Gateway?: string }[] };
    };
    const gateway = net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (!gateway) throw new Error(`docker network ${this.name} has no gateway address`);
    return {
      gateway,
      bridge: net.Options?.["com.docker.network.bridge.name"] ?? `br-${net.Id.slice(0, 12)}`,
      ipv6: net.EnableIPv6 === true,
    };
  }

  async employeeAddresses(): Promise<Map<string, string>> {
    const list = await this.docker.listContainers({
      filters: { label: [`${LABEL_MANAGED}=true`], network: [this.name] },
    });
    const byAddress = new Map<string, string>();
    const claimed = new Set<string>();
    for (const c of list) {
      const employeeId = c.Labels[LABEL_EMPLOYEE];
      const ip = c.NetworkSettings?.Networks?.[this.name]?.IPAddress;
      if (!employeeId || !ip) continue;
      if (claimed.has(ip)) byAddress.delete(ip);
      else byAddress.set(ip, employeeId);
      claimed.add(ip);
    }
    return byAddress;
  }

  // The container's address on the private network, while it runs.
  addressOf(info: Docker.ContainerInspectInfo | null): string | undefined {
    return info?.State.Running ? info.NetworkSettings.Networks[this.name]?.IPAddress : undefined;
  }
}
