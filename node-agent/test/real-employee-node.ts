import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import type { AgentEvent, EmployeeSpec } from "../../edge/protocol/frames.ts";
import { handleOpenAi, OPENAI_KEY } from "../../testing/stand-ins/openai-stand-in.ts";
import type { ChatRelay } from "../employee/chat-relay.ts";
import type { ControlRelay } from "../employee/control-relay.ts";
import type { HeartbeatFacts } from "../employee/openclaw-config.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { CommandExecutor } from "../hub/command-executor.ts";
import { HubConnection } from "../hub/hub-connection.ts";
import { EmployeeAddresses } from "../llm-relay/employee-addresses.ts";
import { EmployeeKeys } from "../llm-relay/employee-keys.ts";
import { startLlmRelay } from "../llm-relay/llm-relay.ts";
import { createLogger, type Logger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";

// One node as main.ts wires it, around one employee of the real image, for the tests that talk
// to the real OpenClaw through the agent (chat-relay.test.ts, trust-control.test.ts): the
// development model behind the agent's real LLM relay, the agent's real hub connection to a
// loopback stand-in of the edge (its /agent/connect socket, and whatever plain HTTP the test
// serves beside it), the real Docker runtime. The test brings the relays it is about.

export type Frame = { type: string; id?: string; ok?: boolean; at: number } & Record<
  string,
  unknown
>;

export interface RealNodeOptions {
  /** Names the Docker network and state folder: "chat" → instantworker-chat-test. */
  name: string;
  /** The employee; its id starts with the prefix its test's leftovers are removed by. */
  spec: EmployeeSpec;
  prefix: string;
  /** The node's token, which the edge stand-in may ask for. */
  nodeToken: string;
  /** The edge stand-in's plain HTTP beside /agent/connect (404 unless given). */
  edgeHttp?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The heartbeat openclaw.json is rendered with (schedule-state.ts), if the test keeps one. */
  heartbeat?: (employeeId: string) => HeartbeatFacts;
  /** The relays, as main.ts makes them; `send` is the hub's event. */
  relays: (node: RelayFacts) => Relays;
}

export interface Relays {
  chat?: ChatRelay;
  control?: ControlRelay;
}

export interface RelayFacts {
  runtime: DockerRuntime;
  edgeUrl: string;
  nodeToken: string;
  stateDir: string;
  log: Logger;
  send: (frame: AgentEvent) => void;
}

export interface RealNode extends RelayFacts {
  spec: EmployeeSpec;
  /** Every frame the agent sent the edge, with when it arrived. */
  frames: Frame[];
  /** Sends a frame to the agent as the edge does. */
  toAgent(frame: Record<string, unknown>): void;
  /** Polls until `get` gives something; on a timeout `describe` says what was seen. */
  until<T>(
    what: string,
    get: () => T,
    timeoutMs?: number,
    describe?: () => string,
  ): Promise<NonNullable<T>>;
  stop(): Promise<void>;
}

export async function startRealNode(opts: RealNodeOptions): Promise<RealNode> {
  const root = path.resolve(import.meta.dirname, "../..");
  const { prefix, nodeToken, spec } = opts;
  const log = createLogger(process.env.LOG_LEVEL ?? "warn");
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `iw-${opts.name}-state-`));
  const frames: Frame[] = [];
  let side: WebSocket | undefined;
  let hub: HubConnection | undefined;
  const servers: Server[] = [];
  let addresses: EmployeeAddresses | undefined;
  let relays: Relays = {};

  const until: RealNode["until"] = async (what, get, timeoutMs = 60_000, describe) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== undefined && v !== null && v !== false) return v as NonNullable<typeof v>;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}${describe ? `; ${describe()}` : ""}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  removeTestEmployees(prefix);
  const model = await startDevelopmentModel();
  servers.push(model);
  const wss = new WebSocketServer({ noServer: true });
  const edge = createServer(opts.edgeHttp ?? ((_req, res) => res.writeHead(404).end()));
  servers.push(edge);
  edge.on("upgrade", (req, socket, head) => {
    if (req.url !== "/agent/connect") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      side = ws;
      ws.on("message", (m) => frames.push({ ...JSON.parse(m.toString()), at: Date.now() }));
      ws.send(
        JSON.stringify({ type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs: 10_000 }),
      );
    });
  });
  await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
  const edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;

  let relayPort = 0;
  const runtime: DockerRuntime = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image,
    memoryMb: 2048,
    cpus: 1,
    pidsLimit: 512,
    network: `instantworker-${opts.name}-test`,
    teamFilesRoot: path.join(stateDir, "team-files"),
    sandbox: "runc",
    disksRoot: testDisksRoot(prefix),
    log,
    configure: async (s) => {
      const proxyAddress = await runtime.proxyAddress();
      return workspaceEntries(
        s,
        { proxyAddress, llmBaseUrl: `http://${proxyAddress}:${relayPort}/v1` },
        opts.heartbeat?.(s.employeeId) ?? null,
      );
    },
  });
  const stop = async () => {
    await hub?.stop();
    await relays.chat?.close();
    await relays.control?.close();
    addresses?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    removeTestEmployees(prefix);
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const keys = new EmployeeKeys(stateDir);
    keys.put(spec.employeeId, OPENAI_KEY);
    addresses = new EmployeeAddresses(runtime);
    const relay = await startLlmRelay({
      host: await runtime.proxyAddress(),
      port: 0,
      upstream: `http://127.0.0.1:${(model.address() as AddressInfo).port}/openai/v1`,
      addresses,
      keys,
      log,
    });
    servers.push(relay);
    relayPort = (relay.address() as AddressInfo).port;
    await runtime.prepare({ relayPort });
    await runtime.provision(spec).catch((err: unknown) => {
      console.log(docker("logs", "--tail", "60", `iw-employee-${spec.employeeId}`));
      throw err;
    });
    const facts: RelayFacts = {
      runtime,
      edgeUrl,
      nodeToken,
      stateDir,
      log,
      send: (frame) => hub?.event(frame),
    };
    relays = opts.relays(facts);
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: { sync: async () => {}, readMemory: async () => [] },
      ...relays,
    });
    hub = new HubConnection({
      edgeUrl,
      nodeToken,
      capacity: () => ({ slots: 2, memoryMb: 2048 }),
      runtime,
      executor,
      orphanGraceMs: 3_600_000,
      log,
    });
    hub.start();
    await until("the agent's hello", () => frames.find((f) => f.type === "hello"));
    return {
      ...facts,
      spec,
      frames,
      toAgent(frame) {
        if (!side) throw new Error("the agent is not connected");
        side.send(JSON.stringify(frame));
      },
      until,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** The development model on loopback (OpenAI's wire), answering OpenClaw's preflight for the
 * models too, as the edge's LLM gateway does in production. */
export async function startDevelopmentModel(): Promise<Server> {
  const model = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      if (url.pathname === "/openai/v1/models") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "auto", object: "model" }] }));
        return;
      }
      const body = Buffer.concat(chunks).toString();
      if (!(await handleOpenAi(req, res, url, body, "development"))) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => model.listen(0, "127.0.0.1", r));
  return model;
}
