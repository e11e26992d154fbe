// `npm run bench`: measures and prints; asserts nothing.
//  (1) status propagation: agent event → live socket frame           (scripted agent, real edge)
//  (2) command dispatch: API call → command frame at the agent        (scripted agent, real edge)
//  (3) hire → running with the real agent and Docker, against Docker's own create+start(+healthy)
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import WebSocket from "ws";
import {
  type AgentFrame,
  type EdgeFrame,
  PROTOCOL_VERSION,
  parseEdgeFrame,
} from "../../edge/contract/protocol.ts";
import { employeeContainer } from "../../node-agent/runtime/docker/container-config.ts";
import { removeContainersOnNetwork } from "../../node-agent/test/docker-cli.ts";
import {
  E2E_NETWORK,
  hireBody,
  LiveSocket,
  root,
  signIn,
  startStack,
  TEST_IMAGE,
} from "../tests/stack.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const HIRES = Number(process.env.BENCH_HIRES ?? 5);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, n=${xs.length}`;

// A node agent reduced to the protocol, so (1) and (2) measure the edge and not Docker. Frames
// are the contract's (edge/protocol/frames.ts), read with its one parser.
type Frame = EdgeFrame & { at: number };
type FrameOf<T extends EdgeFrame["type"]> = Extract<EdgeFrame, { type: T }> & { at: number };

class ScriptedAgent {
  private readonly ws: WebSocket;
  private readonly buffered: Frame[] = [];
  private waiters: { type: string; resolve: (f: Frame) => void }[] = [];
  constructor(edgeUrl: string, token: string) {
    this.ws = new WebSocket(`${edgeUrl.replace("http", "ws")}/agent/connect`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.ws.on("message", (data) => {
      const at = performance.now();
      const parsed = parseEdgeFrame(data.toString());
      if (!parsed.ok)
        throw new Error(`the edge sent a frame outside the protocol: ${parsed.error}`);
      const frame = { ...parsed.frame, at };
      const i = this.waiters.findIndex((w) => w.type === frame.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(frame);
      else this.buffered.push(frame);
    });
  }
  async open() {
    await new Promise((r) => this.ws.once("open", r));
    this.send({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: "bench",
      capacity: { slots: 4, memoryMb: 1024 },
      inventory: [],
    });
    await this.next("welcome");
  }
  // The first unclaimed frame of that type, whether it already came or is still to come.
  next<T extends EdgeFrame["type"]>(type: T): Promise<FrameOf<T>> {
    const i = this.buffered.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.buffered.splice(i, 1)[0] as FrameOf<T>);
    return new Promise((resolve) =>
      this.waiters.push({ type, resolve: (f) => resolve(f as FrameOf<T>) }),
    );
  }
  send(frame: AgentFrame) {
    this.ws.send(JSON.stringify(frame));
  }
  close() {
    this.ws.close();
  }
}

execFileSync("bash", [path.join(root, "infra/scripts/ensure-docker.sh")], { stdio: "inherit" });
execFileSync("bash", [path.join(root, "infra/scripts/build-test-image.sh")], { stdio: "inherit" });
removeContainersOnNetwork(E2E_NETWORK);
const stack = await startStack({ startAgent: false });
try {
  const c = await signIn(stack.edgeUrl, `bench-${Date.now()}@example.com`);
  // The trial holds one employee: each hire waits until the one before is really gone.
  const untilNoEmployees = async () => {
    for (;;) {
      const list = await c.call("GET /api/employees");
      if (list.employees.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const agent = new ScriptedAgent(stack.edgeUrl, stack.nodeToken);
  await agent.open();
  const { employee } = await c.call("POST /api/employees", { body: hireBody });
  const id = employee.id;
  const provision = await agent.next("container.provision");
  const live = new LiveSocket(stack.edgeUrl, id, c.cookie);
  await live.opened();
  agent.send({
    type: "result",
    id: provision.id,
    ok: true,
    data: { employeeId: id, containerId: "bench", state: "running" },
  });
  await live.waitFor((f) => f.employee?.status === "running");

  const propagation: number[] = [];
  const dispatch: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // (1) an event from the agent until the viewer sees its effect
    let mark = live.frames.length;
    const restartCmd = agent.next("container.restart");
    const t0 = performance.now();
    agent.send({
      type: "container.health_changed",
      employeeId: id,
      containerId: "bench",
      health: "unhealthy",
    });
    const seen = await live.waitFor((f) => f.employee?.status === "unhealthy", 10_000, mark);
    propagation.push(seen.at - t0);
    const r1 = await restartCmd;
    agent.send({
      type: "result",
      id: r1.id,
      ok: true,
      data: { employeeId: id, containerId: "bench", state: "running" },
    });
    await live.waitFor((f) => f.employee?.status === "running", 10_000, mark);

    // (2) an API call until the agent holds the command
    mark = live.frames.length;
    const cmd = agent.next("container.restart");
    const t1 = performance.now();
    const res = await c.api(`/api/employees/${id}/restart`, { method: "POST" });
    const got = await cmd;
    dispatch.push(got.at - t1);
    if (res.status !== 202) throw new Error(`restart answered ${res.status}`);
    agent.send({
      type: "result",
      id: got.id,
      ok: true,
      data: { employeeId: id, containerId: "bench", state: "running" },
    });
    await live.waitFor((f) => f.employee?.status === "running", 10_000, mark);
  }
  live.close();
  await c.api(`/api/employees/${id}`, { method: "DELETE" });
  const remove = await agent.next("container.remove");
  agent.send({ type: "result", id: remove.id, ok: true });
  await untilNoEmployees();
  agent.close();

  // (3) the real agent and Docker
  stack.agent.start();
  await stack.agent.waitForLog(/connected to the edge/);
  const hireToRunning: number[] = [];
  for (let i = 0; i < HIRES; i++) {
    const t0 = performance.now();
    const { employee: e } = await c.call("POST /api/employees", { body: hireBody });
    const l = new LiveSocket(stack.edgeUrl, e.id, c.cookie);
    await l.opened();
    const running = await l.waitFor((f) => f.employee?.status === "running", 60_000);
    hireToRunning.push(running.at - t0);
    l.close();
    await c.api(`/api/employees/${e.id}`, { method: "DELETE" });
    await untilNoEmployees();
  }

  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const createStart: number[] = [];
  const createStartHealthy: number[] = [];
  for (let i = 0; i < HIRES; i++) {
    const spec = {
      employeeId: `bench-docker-${process.pid}-${i}`,
      accountId: "bench",
      name: "B",
      role: "researcher",
      tone: "concise",
      skills: [],
    };
    // The account's read-only shared folder is bind-mounted; it has to exist.
    const benchTeamFiles = path.join(tmpdir(), "iw-bench-team-files");
    mkdirSync(path.join(benchTeamFiles, spec.accountId), { recursive: true });
    const options = employeeContainer(spec, {
      image: TEST_IMAGE,
      memoryMb: 256,
      cpus: 0.5,
      pidsLimit: 512,
      network: E2E_NETWORK,
      teamFilesRoot: benchTeamFiles,
    });
    const t0 = performance.now();
    const container = await docker.createContainer(options);
    await container.start();
    createStart.push(performance.now() - t0);
    for (;;) {
      const info = await container.inspect();
      if (info.State.Health?.Status === "healthy") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    createStartHealthy.push(performance.now() - t0);
    await container.remove({ force: true });
    await docker
      .getVolume(`iw-employee-${spec.employeeId}-data`)
      .remove()
      .catch(() => undefined);
  }

  const engine = (await docker.version()).Version;
  console.log(
    `\nInstantWorker lifecycle benchmark (loopback; wrangler dev; Docker ${engine}; ${ROUNDS} rounds, ${HIRES} hires)`,
  );
  console.log(
    `(1) status propagation, agent event → live frame:   ${fmt(propagation)}   (target p50 ≤ 50 ms)`,
  );
  console.log(
    `(2) command dispatch, API call → command at agent:  ${fmt(dispatch)}   (target p50 ≤ 20 ms)`,
  );
  console.log(`(3) hire → running, real agent + Docker:            ${fmt(hireToRunning)}`);
  console.log(`    Docker alone, create + start:                   ${fmt(createStart)}`);
  console.log(`    Docker alone, create + start + healthy:         ${fmt(createStartHealthy)}`);
  console.log(
    `    overhead over Docker's create+start+healthy:    p50 ${(pct(hireToRunning, 50) - pct(createStartHealthy, 50)).toFixed(1)} ms   (target ≤ 300 ms)`,
  );
} finally {
  await stack.stop();
  removeContainersOnNetwork(E2E_NETWORK);
}

// Issue 16's figures (snapshot and restore throughput, 1 GB, incremental, RTO): their own stack.
execFileSync(process.execPath, [path.join(root, "infra/scripts/bench-snapshots.ts")], {
  stdio: "inherit",
});
// Issue 17's figures (channels: inbound → agent, webhook answer, final → provider): their own stack.
execFileSync(process.execPath, [path.join(root, "infra/scripts/bench-channels.ts")], {
  stdio: "inherit",
});
// Issue 18's figures (approvals: OpenClaw asks → inbox and live socket, decision → command run;
// schedule fire → ledger entry): the real employee image, their own stack.
execFileSync(process.execPath, [path.join(root, "infra/scripts/bench-trust.ts")], {
  stdio: "inherit",
});
