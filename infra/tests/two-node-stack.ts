// Two servers on one machine for the snapshot, node-loss and drain journeys (issue 16): one local
// edge (stack.ts's wrangler dev) and two real node agents, each with its own Docker engine
// (two-node-engine.ts), STATE_DIR (its employees' disks), node name and token (the ops script
// against the local D1), network, subnet and ports. A node can lose its agent, or power off (agent
// killed, engine down with its containers) and come back; a watch polls both engines every 200 ms
// for an employee running on both at once.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { removeMountedTree } from "../../node-agent/test/docker-cli.ts";
import {
  AgentProcess,
  createNodeToken,
  type Edge,
  freePort,
  root,
  sleep,
  startEdge,
  TEST_IMAGE,
} from "./stack.ts";
import { DockerEngine } from "./two-node-engine.ts";

export const REAL_IMAGE = "instantworker/employee:local";
export const MARKER_PATH = "/data/workspace/memory/marker.md";
export const WATCH_INTERVAL_MS = 200;
// runc unless E2E_RUNTIME=runsc asks for gVisor (as employee-e2e.test.ts: this machine's gVisor
// starts the real image 2–3 times more slowly).
const RUNTIME = process.env.E2E_RUNTIME === "runsc" ? "runsc" : "runc";

export const NODE_NAMES = ["node-a", "node-b"] as const;
export type NodeName = (typeof NODE_NAMES)[number];
// Distinct per engine, and outside Docker's own 172.17–31/192.168 pools the machine's engine uses.
const POOLS: Record<NodeName, string> = { "node-a": "10.213.0.0/16", "node-b": "10.214.0.0/16" };

export interface TwoNodeOptions {
  image?: string;
  memoryMb?: number;
  slots?: number;
  readyTimeoutMs?: number;
  edgeVars?: Record<string, string>;
  agentEnv?: NodeJS.ProcessEnv;
}

export class TestNode {
  readonly name: NodeName;
  readonly id: string;
  readonly engine: DockerEngine;
  readonly stateDir: string;
  readonly agent: AgentProcess;

  constructor(
    name: NodeName,
    id: string,
    engine: DockerEngine,
    stateDir: string,
    agent: AgentProcess,
  ) {
    this.name = name;
    this.id = id;
    this.engine = engine;
    this.stateDir = stateDir;
    this.agent = agent;
  }

  /** The agent's pid while it runs. */
  get pid(): number | undefined {
    const c = this.agent.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  async startAgent(): Promise<void> {
    const from = this.agent.logs.length;
    this.agent.start();
    const deadline = Date.now() + 60_000;
    while (!this.agent.logs.slice(from).some((l) => /connected to the edge/.test(l))) {
      if (Date.now() > deadline || this.agent.child?.exitCode != null)
        throw new Error(
          `${this.name}'s agent never connected:\n${this.agent.logs.slice(-15).join("\n")}`,
        );
      await sleep(50);
    }
  }

  /** The agent stops for good (SIGTERM: it finishes what it holds; SIGKILL: it just dies). */
  stopAgent(signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): Promise<void> {
    return this.agent.kill(signal);
  }

  /** The server is lost: its agent killed, its engine down and its containers with it. */
  async powerOff(): Promise<void> {
    await this.stopAgent("SIGKILL");
    await this.engine.stop();
  }

  /** The lost server comes back, as after a reboot: the engine first, then the agent. */
  async powerOn(): Promise<void> {
    await this.engine.start();
    await this.startAgent();
  }

  /** The employees whose containers run on this node now ([] while its engine is down). */
  async running(): Promise<string[]> {
    try {
      const out = await this.engine.dockerAsync(
        "ps",
        "--filter",
        "label=instantworker.managed=true",
        "--format",
        '{{.Label "instantworker.employee"}}',
      );
      return out ? out.split("\n") : [];
    } catch {
      return [];
    }
  }

  /** The employee's container here: "running", "exited", … or null when there is none. */
  containerState(employeeId: string): string | null {
    const r = this.engine.dockerStatus(
      "inspect",
      "-f",
      "{{.State.Status}}",
      `iw-employee-${employeeId}`,
    );
    return r.code === 0 ? r.out : null;
  }

  exec(employeeId: string, ...cmd: string[]): string {
    return this.engine.docker("exec", `iw-employee-${employeeId}`, ...cmd);
  }

  /** Writes text into the employee's memory (its own disk) from inside its container. */
  writeMarker(employeeId: string, text: string, file = MARKER_PATH): void {
    this.exec(
      employeeId,
      "sh",
      "-c",
      // The test image's busybox links no mkdir of its own.
      'd=$(dirname "$0"); mkdir -p "$d" 2>/dev/null || busybox mkdir -p "$d"; printf %s "$1" > "$0"',
      file,
      text,
    );
  }

  /** The marker as the employee reads it, or null when it is not there. */
  readMarker(employeeId: string, file = MARKER_PATH): string | null {
    const r = this.engine.dockerStatus("exec", `iw-employee-${employeeId}`, "cat", file);
    return r.code === 0 ? r.out : null;
  }

  /** Writes `mb` MiB of random bytes into the employee's workspace (many chunks to snapshot). */
  writeRandom(employeeId: string, file: string, mb: number): void {
    this.exec(
      employeeId,
      "sh",
      "-c",
      'head -c "$1" /dev/urandom > "$0" 2>/dev/null || busybox head -c "$1" /dev/urandom > "$0"',
      file,
      String(mb * 1024 * 1024),
    );
  }

  /** The employee's disk: an ext4 image loop-mounted under STATE_DIR/disks (employee-disks.ts). */
  diskPaths(employeeId: string): { image: string; mountpoint: string } {
    const disks = path.join(this.stateDir, "disks");
    return {
      image: path.join(disks, `${employeeId}.ext4`),
      mountpoint: path.join(disks, employeeId),
    };
  }

  /** Removes the employee's container and its data by hand, as a failed disk would. */
  removeByHand(employeeId: string): void {
    this.engine.dockerStatus("rm", "-f", `iw-employee-${employeeId}`);
    this.engine.dockerStatus("volume", "rm", "-f", `iw-employee-${employeeId}-data`);
    const disk = this.diskPaths(employeeId);
    // The image goes first: the agent mounts a disk again whenever it touches the employee (a
    // restart, a write of files, a snapshot's read), and with no image there is nothing to mount.
    // A mount made between an unmount and the delete failed the delete with EBUSY in CI.
    rmSync(disk.image, { force: true });
    if (existsSync(disk.image)) throw new Error(`could not remove ${disk.image}`);
    // Lazily: the engine or the agent may still hold the mount for a moment after `rm -f`.
    removeMountedTree(disk.mountpoint);
  }
}

export interface TwoNodeStack {
  edge: Edge;
  edgeUrl: string;
  nodes: Record<NodeName, TestNode>;
  /** The node an employee's container runs on now, or null. */
  whereRunning(employeeId: string): Promise<NodeName | null>;
  nodeById(id: string | null): TestNode | undefined;
  /** A query against the edge's local D1 (the ops scripts' view). */
  d1(sql: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startTwoNodes(opts: TwoNodeOptions = {}): Promise<TwoNodeStack> {
  const image = opts.image ?? TEST_IMAGE;
  const engines = NODE_NAMES.map((n) => new DockerEngine(n, POOLS[n]));
  for (const e of engines) {
    await e.start();
    e.removeEverything(); // whatever an interrupted earlier run left
    e.ensureImage(image);
  }
  const edge = await startEdge(opts.edgeVars ? { edgeVars: opts.edgeVars } : {});
  const nodes = {} as Record<NodeName, TestNode>;
  for (const [i, name] of NODE_NAMES.entries()) {
    const engine = engines[i] as DockerEngine;
    const created = createNodeToken(edge.persistDir, name);
    const stateDir = path.join(edge.persistDir, name);
    const agent = new AgentProcess({
      EDGE_URL: edge.edgeUrl,
      NODE_TOKEN: created.token,
      RUNTIME: "docker",
      DOCKER_SOCKET: engine.socket,
      DOCKER_NETWORK: `iw-${name}`,
      EMPLOYEE_IMAGE: image,
      EMPLOYEE_MEMORY_MB: String(opts.memoryMb ?? 256),
      EMPLOYEE_CPUS: "1",
      CAPACITY_SLOTS: String(opts.slots ?? 8),
      READY_TIMEOUT_MS: String(opts.readyTimeoutMs ?? 30_000),
      EMPLOYEE_RUNTIME: RUNTIME,
      LOG_LEVEL: "info",
      STATE_DIR: stateDir,
      LLM_RELAY_PORT: "0",
      ACCESS_PROXY_PORT: String(await freePort()),
      ...opts.agentEnv,
    });
    nodes[name] = new TestNode(name, created.id, engine, stateDir, agent);
  }
  await Promise.all(Object.values(nodes).map((n) => n.startAgent()));

  return {
    edge,
    edgeUrl: edge.edgeUrl,
    nodes,
    async whereRunning(employeeId) {
      for (const n of Object.values(nodes))
        if ((await n.running()).includes(employeeId)) return n.name;
      return null;
    },
    nodeById: (id) => Object.values(nodes).find((n) => n.id === id),
    d1: (sql) => d1(edge.persistDir, sql),
    async stop() {
      for (const n of Object.values(nodes)) await n.stopAgent("SIGTERM");
      for (const e of engines) {
        if (e.answers()) e.removeEverything();
        await e.stop();
      }
      await edge.stop();
      removeMountedTree(edge.persistDir);
    },
  };
}

export function d1(persistDir: string, sql: string): Record<string, unknown>[] {
  const out = execFileSync(
    path.join(root, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql],
    {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  return (JSON.parse(out) as { results: Record<string, unknown>[] }[]).flatMap((r) => r.results);
}

/**
 * Polls both engines every 200 ms: when each employee was first seen running on each node, and
 * every poll at which one ran on both. Engines that are down count as running nothing.
 */
export class RunningWatch {
  readonly twice: { employeeId: string; at: number }[] = [];
  readonly firstSeen = new Map<string, number>();
  polls = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly nodes: TestNode[];

  constructor(nodes: Record<NodeName, TestNode>) {
    this.nodes = Object.values(nodes);
  }

  start(): this {
    this.timer = setInterval(() => void this.poll(), WATCH_INTERVAL_MS);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** When the employee was first seen running on that node (ms since epoch), if ever. */
  seen(employeeId: string, node: NodeName): number | undefined {
    return this.firstSeen.get(`${node}/${employeeId}`);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const at = Date.now();
      const lists = await Promise.all(this.nodes.map((n) => n.running()));
      const count = new Map<string, number>();
      lists.forEach((ids, i) => {
        for (const id of ids) {
          count.set(id, (count.get(id) ?? 0) + 1);
          const key = `${this.nodes[i]?.name}/${id}`;
          if (!this.firstSeen.has(key)) this.firstSeen.set(key, at);
        }
      });
      for (const [employeeId, n] of count) if (n > 1) this.twice.push({ employeeId, at });
      this.polls++;
    } finally {
      this.busy = false;
    }
  }
}

export async function waitUntil<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
