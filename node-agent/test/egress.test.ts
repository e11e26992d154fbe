import { execFile, execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import {
  containersOf,
  docker,
  removeTestEmployees,
  specsUnder,
  testDisksRoot,
} from "./docker-cli.ts";
import { FAR_PRIVATE, FAR_PUBLIC, type FarHosts, startFarHosts } from "./far-hosts.ts";

// Attacks from inside real employee containers, under runc and under gVisor: everything of the
// node and every private range is closed, the relay and the public internet are open.

const PREFIX = `e${process.pid}-`;
const NETWORK = "instantworker-egress-test";
const IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
const CONNECT_TIMEOUT_S = 3;
const log = createLogger("warn");

const spec = specsUnder(PREFIX);

function runtime(sandbox: "runc" | "runsc") {
  return new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image: IMAGE,
    memoryMb: 256,
    cpus: 0.5,
    // Each probe is three processes (sh, timeout, nc), and gVisor may leave a refused connect()
    // hanging past busybox's timeout (the exec's own timeout ends only the docker client). Under
    // runsc, a container that reaches its pids limit exits (code 2) and, with restart policy
    // `no`, stays down: enough room here that the probes never reach it.
    pidsLimit: 512,
    network: NETWORK,
    readyTimeoutMs: 60_000,
    teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
    sandbox,
    disksRoot: testDisksRoot(PREFIX),
    log,
  });
}

/**
 * What a container gets from host:port over HTTP: the body, or null when it cannot connect.
 * busybox's nc, because its wget cannot read a response under gVisor and crashes with -T.
 */
function fetchFrom(employeeId: string, url: string): Promise<string | null> {
  const { hostname, port, pathname } = new URL(url);
  // Asynchronous: the relay stand-in answers from this very process.
  return new Promise((resolve) => {
    execFile(
      "docker",
      [
        "exec",
        `iw-employee-${employeeId}`,
        "sh",
        "-c",
        `printf 'GET ${pathname} HTTP/1.0\\r\\n\\r\\n' | busybox timeout ${CONNECT_TIMEOUT_S} busybox nc ${hostname} ${port || 80}`,
      ],
      // gVisor may not end a connect() the rules refused on the inside's timeout: end it here.
      { encoding: "utf8", timeout: (CONNECT_TIMEOUT_S + 5) * 1000 },
      (err, stdout) => {
        const body = stdout.split("\r\n\r\n")[1];
        resolve(!err && stdout.startsWith("HTTP/1.1 200") && body !== undefined ? body : null);
      },
    );
  });
}

const listen = (server: Server, host: string) =>
  new Promise<number>((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );

function bridgeOf(network: string): string {
  const [id, name] = docker(
    "network",
    "inspect",
    "-f",
    '{{.Id}}/{{index .Options "com.docker.network.bridge.name"}}',
    network,
  ).split("/");
  return name && name !== "<no value>" ? name : `br-${(id ?? "").slice(0, 12)}`;
}

/** The node's address on its uplink (not a Docker bridge, not a test veth). */
function uplinkAddress(): string {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (/^(lo|docker|br-|veth|iwf)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error("this machine has no uplink address");
}

function removeRules(bridge: string) {
  for (const [cmd, hooks] of [
    ["iptables", ["DOCKER-USER"]],
    ["ip6tables", ["DOCKER-USER", "FORWARD"]],
  ] as const) {
    const quiet = (...args: string[]) => {
      try {
        execFileSync(cmd, args, { stdio: "ignore" });
      } catch {
        // not there
      }
    };
    for (const hook of hooks) quiet("-D", hook, "-i", bridge, "-j", `IW-FWD-${bridge}`);
    quiet("-D", "INPUT", "-i", bridge, "-j", `IW-IN-${bridge}`);
    for (const chain of [`IW-FWD-${bridge}`, `IW-IN-${bridge}`]) {
      quiet("-F", chain);
      quiet("-X", chain);
    }
  }
}

let far: FarHosts;
const nodeService = createServer((_q, s) => s.end("node service"));
const relay = createServer((_q, s) => s.end("relay"));
let servicePort = 0;
let relayPort = 0;
let gateway = "";

beforeAll(async () => {
  far = await startFarHosts(String(process.pid % 10_000));
  servicePort = await listen(nodeService, "0.0.0.0");
  // The network (and so its gateway address) exists once a runtime has asked for it.
  gateway = await runtime("runc").proxyAddress();
  relayPort = await listen(relay, gateway);
});

afterAll(() => {
  removeTestEmployees(PREFIX);
  far?.stop();
  nodeService.close();
  relay.close();
  removeRules(bridgeOf(NETWORK));
});

describe.each(["runc", "runsc"] as const)("egress from an employee under %s", (sandbox) => {
  const rt = runtime(sandbox);
  const attacker = spec();
  const neighbour = spec();

  beforeAll(async () => {
    await rt.prepare({ relayPort });
    await Promise.all([rt.provision(attacker), rt.provision(neighbour)]);
    const runtimeOf = docker(
      "inspect",
      "-f",
      "{{.HostConfig.Runtime}}",
      `iw-employee-${attacker.employeeId}`,
    );
    expect(runtimeOf).toBe(sandbox);
  }, 180_000);

  it("reaches the LLM relay and the public internet", async () => {
    expect(await fetchFrom(attacker.employeeId, `http://${gateway}:${relayPort}/`)).toBe("relay");
    expect(await fetchFrom(attacker.employeeId, `http://${FAR_PUBLIC}/`)).toBe(`far ${FAR_PUBLIC}`);
  });

  it("cannot reach the cloud metadata address or any private or shared range", async () => {
    for (const address of Object.values(FAR_PRIVATE))
      expect([address, await fetchFrom(attacker.employeeId, `http://${address}/`)]).toEqual([
        address,
        null,
      ]);
  });

  it("cannot reach the node's own services on any of its addresses", async () => {
    for (const address of [gateway, uplinkAddress(), "172.17.0.1"])
      expect([
        address,
        await fetchFrom(attacker.employeeId, `http://${address}:${servicePort}/`),
      ]).toEqual([address, null]);
    // The relay's port is open on the gateway address alone.
    expect(
      await fetchFrom(attacker.employeeId, `http://${uplinkAddress()}:${relayPort}/`),
    ).toBeNull();
  });

  it("cannot reach another employee", async () => {
    const ip = docker(
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`,
      `iw-employee-${neighbour.employeeId}`,
    );
    expect(await fetchFrom(attacker.employeeId, `http://${ip}:18789/healthz`)).toBeNull();
  });

  it("has no IPv6 to use, and the node's IPv6 rules are in place anyway", () => {
    const addrs = docker(
      "exec",
      `iw-employee-${attacker.employeeId}`,
      "busybox",
      "ip",
      "-6",
      "addr",
    );
    expect(addrs).not.toMatch(/inet6/);
    const bridge = bridgeOf(NETWORK);
    expect(execFileSync("ip6tables", ["-S", `IW-IN-${bridge}`], { encoding: "utf8" })).toMatch(
      /REJECT/,
    );
  });
});

describe("the egress rules", () => {
  it("are installed once however often the agent starts, and put back when removed", async () => {
    const bridge = bridgeOf(NETWORK);
    const count = (cmd: string, chain: string, needle: string) =>
      execFileSync(cmd, ["-S", chain], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(needle)).length;
    const rt = runtime("runc");
    await rt.prepare({ relayPort });
    await rt.prepare({ relayPort });
    expect(count("iptables", "DOCKER-USER", `IW-FWD-${bridge}`)).toBe(1);
    expect(count("iptables", "INPUT", `IW-IN-${bridge}`)).toBe(1);
    const rules = count("iptables", `IW-FWD-${bridge}`, "-A ");

    removeRules(bridge); // a firewall reload, say
    const s = spec();
    await rt.provision(s);
    expect(count("iptables", "DOCKER-USER", `IW-FWD-${bridge}`)).toBe(1);
    expect(count("iptables", `IW-FWD-${bridge}`, "-A ")).toBe(rules);
    expect(await fetchFrom(s.employeeId, `http://${FAR_PRIVATE.metadata}/`)).toBeNull();
  });

  it("missing and impossible to install: provisioning is refused with the reason, nothing is created", async () => {
    removeRules(bridgeOf(NETWORK));
    const savedPath = process.env.PATH;
    // An agent without iptables (or without the right to use it).
    process.env.PATH = "/nonexistent";
    const s = spec();
    const err = await runtime("runc")
      .provision(s)
      .catch((e: unknown) => e)
      .finally(() => {
        process.env.PATH = savedPath;
      });
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: "isolation_unavailable", retryable: false });
    expect((err as Error).message).toMatch(/network access/);
    expect(containersOf(s.employeeId)).toHaveLength(0);
  });
});
