import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";

// What an employee container may reach: the public internet and the node's LLM relay, nothing
// else. Everything inside a container is hostile (its exec tool runs any code, the customer drives
// its browser), so the node's own services, the cloud's metadata address, the provider's private
// network and the other employees are closed by rules the agent owns:
//   - forwarded traffic from the employee bridge (DOCKER-USER, which Docker keeps first in
//     FORWARD) is rejected towards every private, shared, link-local and reserved range;
//   - traffic from the employee bridge to the node itself (INPUT: the bridge's gateway, every
//     other address of the node, loopback-bound services reachable through them) is rejected
//     except the relay's port on the gateway address and replies to connections the node opened.
// Each family has two chains of ours per bridge, refilled atomically (iptables-restore with
// --noflush touches only the chains it names), and a marker rule carries a hash of the plan, so
// "is it in place" is one read per chain.

export const IPTABLES_TIMEOUT_MS = 10_000;

// Never reachable from an employee (RFC 6890 special-purpose ranges that are not the public
// internet). The TEST-NETs are left out: nothing routes them, and tests use one as "public".
export const BLOCKED_V4 = [
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8", // RFC 1918
  "100.64.0.0/10", // shared address space (carrier-grade NAT, some clouds' internal services)
  "127.0.0.0/8", // loopback
  "169.254.0.0/16", // link-local, incl. the cloud metadata address 169.254.169.254
  "172.16.0.0/12", // RFC 1918 (Docker's own networks, the other employees)
  "192.0.0.0/24", // IETF protocol assignments
  "192.168.0.0/16", // RFC 1918
  "198.18.0.0/15", // benchmarking
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, and the limited broadcast address
];
export const BLOCKED_V6 = [
  "::/128",
  "::1/128",
  "::ffff:0:0/96", // IPv4-mapped: would reach the IPv4 ranges above
  "64:ff9b::/96", // NAT64 onto IPv4
  "64:ff9b:1::/48", // local-use NAT64
  "100::/64", // discard-only
  "2001:db8::/32", // documentation
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "fec0::/10", // site-local (deprecated)
  "ff00::/8", // multicast
];

export interface EgressPlan {
  /** The employee network's Linux bridge (br-<id> unless Docker was told a name). */
  bridge: string;
  /** The node's address on that bridge: the relay listens here. */
  gateway: string;
  /** The LLM relay's port; 0 while it is not listening (then nothing on the node is open). */
  relayPort: number;
  /** The DNS servers Docker hands containers; a private one stays reachable on port 53 only. */
  resolvers: string[];
  /** Whether the employee network has IPv6: its rules are then required, not best effort. */
  ipv6: boolean;
}

interface Family {
  name: "IPv4" | "IPv6";
  save: string;
  restore: string;
  blocked: string[];
  reject: string;
  /** The chain Docker keeps first in FORWARD; IPv6 has it only when Docker manages ip6tables. */
  forwardHook: string[];
  isAddress: (a: string) => boolean;
}

const V4: Family = {
  name: "IPv4",
  save: "iptables",
  restore: "iptables-restore",
  blocked: BLOCKED_V4,
  reject: "icmp-admin-prohibited",
  forwardHook: ["DOCKER-USER"],
  isAddress: isIPv4,
};
const V6: Family = {
  name: "IPv6",
  save: "ip6tables",
  restore: "ip6tables-restore",
  blocked: BLOCKED_V6,
  reject: "icmp6-adm-prohibited",
  forwardHook: ["DOCKER-USER", "FORWARD"],
  isAddress: isIPv6,
};

// iptables chain names hold 28 characters; a bridge name holds 15.
export const forwardChain = (bridge: string) => `IW-FWD-${bridge}`;
export const inputChain = (bridge: string) => `IW-IN-${bridge}`;

/** The resolvers of /etc/resolv.conf, which Docker's embedded DNS forwards containers' queries to. */
export function hostResolvers(path = "/etc/resolv.conf"): string[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((m) => m[1] ?? "")
    .filter((a) => (isIPv4(a) && !a.startsWith("127.")) || (isIPv6(a) && a !== "::1"));
}

function rules(f: Family, plan: EgressPlan): { forward: string[]; input: string[] } {
  const fwd = forwardChain(plan.bridge);
  const inp = inputChain(plan.bridge);
  const reject = `-j REJECT --reject-with ${f.reject}`;
  const forward: string[] = [];
  for (const r of plan.resolvers.filter(f.isAddress)) {
    const host = f.name === "IPv4" ? `${r}/32` : `${r}/128`;
    for (const proto of ["udp", "tcp"])
      forward.push(`-A ${fwd} -d ${host} -p ${proto} -m ${proto} --dport 53 -j RETURN`);
  }
  for (const cidr of f.blocked) forward.push(`-A ${fwd} -d ${cidr} ${reject}`);
  const input = [`-A ${inp} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`];
  if (f.name === "IPv4" && plan.relayPort > 0)
    input.push(
      `-A ${inp} -d ${plan.gateway}/32 -p tcp -m tcp --dport ${plan.relayPort} -m conntrack --ctstate NEW -j ACCEPT`,
    );
  const mark = `-m comment --comment "instantworker ${planHash(f, plan)}"`;
  forward.push(`-A ${fwd} ${mark} -j RETURN`);
  input.push(`-A ${inp} ${mark} ${reject}`);
  return { forward, input };
}

function planHash(f: Family, plan: EgressPlan): string {
  return createHash("sha256")
    .update(JSON.stringify([f.name, plan, f.blocked]))
    .digest("hex")
    .slice(0, 16);
}

export class EgressFirewallError extends Error {}

export class EgressFirewall {
  /** Installs (or refreshes) the rules for the plan. Idempotent; atomic per chain set. */
  async install(plan: EgressPlan): Promise<void> {
    await this.installFamily(V4, plan);
    try {
      await this.installFamily(V6, plan);
    } catch (err) {
      // Without IPv6 on the network, containers have no IPv6 to use (Docker turns it off in
      // them); the rules are a second wall there, so a host without ip6tables is not fatal.
      if (plan.ipv6) throw err;
    }
  }

  /** Null when every rule of the plan is in place, otherwise what is missing. */
  async check(plan: EgressPlan): Promise<string | null> {
    const v4 = await this.checkFamily(V4, plan);
    if (v4) return v4;
    return plan.ipv6 ? this.checkFamily(V6, plan) : null;
  }

  private async installFamily(f: Family, plan: EgressPlan): Promise<void> {
    const fwd = forwardChain(plan.bridge);
    const inp = inputChain(plan.bridge);
    const { forward, input } = rules(f, plan);
    // A chain named in the header is created, or flushed when it exists: the refill is one
    // transaction, so no packet ever sees a half-filled chain.
    const payload = [
      "*filter",
      `:${fwd} - [0:0]`,
      `:${inp} - [0:0]`,
      ...forward,
      ...input,
      "COMMIT",
      "",
    ];
    await run(f.restore, ["--noflush", "--wait"], payload.join("\n"));
    const hook = await this.forwardHook(f);
    await ensureJump(f, hook, ["-i", plan.bridge, "-j", fwd]);
    await ensureJump(f, "INPUT", ["-i", plan.bridge, "-j", inp]);
  }

  private async checkFamily(f: Family, plan: EgressPlan): Promise<string | null> {
    const { forward, input } = rules(f, plan);
    const fwd = forwardChain(plan.bridge);
    const inp = inputChain(plan.bridge);
    for (const [chain, want] of [
      [fwd, forward],
      [inp, input],
    ] as const) {
      const listed = await run(f.save, ["--wait", "-S", chain]).catch(() => null);
      if (listed === null) return `${f.name} chain ${chain} is missing`;
      const have = listed.split("\n").filter((l) => l.startsWith("-A "));
      const marker = `instantworker ${planHash(f, plan)}`;
      if (have.length !== want.length || !have.at(-1)?.includes(marker))
        return `${f.name} chain ${chain} does not hold the expected rules`;
    }
    const hook = await this.forwardHook(f);
    for (const [parent, jump] of [
      [hook, fwd],
      ["INPUT", inp],
    ] as const) {
      const ok = await run(f.save, ["--wait", "-C", parent, "-i", plan.bridge, "-j", jump])
        .then(() => true)
        .catch(() => false);
      if (!ok) return `${f.name} ${parent} does not send the employee bridge to ${jump}`;
    }
    return null;
  }

  private async forwardHook(f: Family): Promise<string> {
    for (const chain of f.forwardHook) {
      const exists = await run(f.save, ["--wait", "-S", chain])
        .then(() => true)
        .catch(() => false);
      if (exists) return chain;
    }
    throw new EgressFirewallError(`${f.name}: no ${f.forwardHook.join(" or ")} chain`);
  }
}

async function ensureJump(f: Family, parent: string, rule: string[]): Promise<void> {
  const present = await run(f.save, ["--wait", "-C", parent, ...rule])
    .then(() => true)
    .catch(() => false);
  if (!present) await run(f.save, ["--wait", "-I", parent, "1", ...rule]);
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: IPTABLES_TIMEOUT_MS, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new EgressFirewallError(`${cmd} ${args.join(" ")}: ${stderr.trim() || err.message}`),
          );
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
