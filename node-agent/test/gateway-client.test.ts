import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { OPENAI_KEY } from "../../testing/stand-ins/openai-stand-in.ts";
import { GatewayClient, GatewayError, type RunEvent } from "../employee/gateway-client.ts";
import { DEVICES_DIR, GatewayDevices } from "../employee/gateway-devices.ts";
import { deviceIdOf } from "../employee/gateway-handshake.ts";
import { GATEWAY_PORT } from "../employee/openclaw-config.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { EmployeeAddresses } from "../llm-relay/employee-addresses.ts";
import { EmployeeKeys } from "../llm-relay/employee-keys.ts";
import { startLlmRelay } from "../llm-relay/llm-relay.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";
import { startDevelopmentModel } from "./real-employee-node.ts";

// The agent's chat client against the real employee image under runc: OpenClaw's gateway reached
// from the node's address with the trusted-proxy headers and the agent's own device key, its
// model the development model (the OpenAI stand-in in development mode) behind the agent's real
// LLM relay. It connects with read and write only, streams an answer, reads it back, stops a long
// answer, and is refused an admin method. It prints connect time and time to first delta / final.

const PREFIX = `gw${process.pid}-`;
const NETWORK = "instantworker-gateway-test";
const root = path.resolve(import.meta.dirname, "../..");
const log = createLogger(process.env.LOG_LEVEL ?? "warn");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-gateway-state-"));
const spec: EmployeeSpec = {
  employeeId: `${PREFIX}1`,
  accountId: "account-1",
  name: "Ada",
  role: "researcher",
  tone: "concise",
  skills: [],
};
const word = () => randomUUID().slice(0, 8);

let image = "";
let runtime: DockerRuntime;
let model: Server;
let relay: Server;
let addresses: EmployeeAddresses;
const devices = new GatewayDevices(stateDir);
const clients: GatewayClient[] = [];

function clientFor(accountId = spec.accountId): GatewayClient {
  const client = new GatewayClient({
    employeeId: spec.employeeId,
    accountId,
    endpoint: () => runtime.endpoint(spec.employeeId, GATEWAY_PORT),
    devices,
    log,
  });
  clients.push(client);
  return client;
}

// Every event of a run, and when the first delta and the end came (ms after `from`).
async function collect(run: AsyncIterable<RunEvent>, from: number) {
  const events: RunEvent[] = [];
  let firstDeltaMs: number | undefined;
  for await (const e of run) {
    if (e.type === "delta") firstDeltaMs ??= Date.now() - from;
    events.push(e);
  }
  return { events, end: events.at(-1), firstDeltaMs, endMs: Date.now() - from };
}

beforeAll(async () => {
  image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  removeTestEmployees(PREFIX);
  model = await startDevelopmentModel();
  runtime = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image,
    memoryMb: 2048,
    cpus: 1,
    pidsLimit: 512,
    network: NETWORK,
    teamFilesRoot: path.join(stateDir, "team-files"),
    sandbox: "runc",
    disksRoot: testDisksRoot(PREFIX),
    log,
    configure: async (s) => {
      const proxyAddress = await runtime.proxyAddress();
      const { port } = relay.address() as AddressInfo;
      return workspaceEntries(s, { proxyAddress, llmBaseUrl: `http://${proxyAddress}:${port}/v1` });
    },
  });
  const keys = new EmployeeKeys(stateDir);
  keys.put(spec.employeeId, OPENAI_KEY);
  addresses = new EmployeeAddresses(runtime);
  relay = await startLlmRelay({
    host: await runtime.proxyAddress(),
    port: 0,
    upstream: `http://127.0.0.1:${(model.address() as AddressInfo).port}/openai/v1`,
    addresses,
    keys,
    log,
  });
  await runtime.prepare({ relayPort: (relay.address() as AddressInfo).port });
  const started = Date.now();
  await runtime.provision(spec).catch((err: unknown) => {
    console.log(docker("logs", "--tail", "60", `iw-employee-${spec.employeeId}`));
    throw err;
  });
  console.log(`[gateway] hire → healthy ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, READY_TIMEOUT_MS.runc + 900_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  addresses?.close();
  relay?.close();
  model?.close();
  removeTestEmployees(PREFIX);
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the gateway client against the real employee", () => {
  const client = clientFor();
  let session = "";

  it("connects as a paired webchat device holding read, write and approvals, never admin", async () => {
    const started = Date.now();
    const info = await client.connect(60_000);
    console.log(`[gateway] connect (first, pairing the device): ${Date.now() - started} ms`);
    expect([...info.scopes].sort()).toEqual([
      "operator.approvals",
      "operator.read",
      "operator.write",
    ]);
    expect(info.serverVersion).toMatch(/^2026\./);
    // The device key: one per employee, in the agent's state folder, readable by the agent only.
    const file = path.join(stateDir, DEVICES_DIR, `${spec.employeeId}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it("sends in a new session and streams the development model's answer", async () => {
    session = (await client.createSession()).key;
    expect(session).toMatch(/^agent:main:/);
    const hello = `hello-${word()}`;
    const started = Date.now();
    const run = await client.send(session, hello, { idempotencyKey: randomUUID() });
    const { events, end, firstDeltaMs, endMs } = await collect(run, started);
    console.log(
      `[gateway] "${hello}": first delta ${firstDeltaMs ?? "none"} ms, final ${endMs} ms (${events.length} events)`,
    );
    expect(end).toMatchObject({ type: "final" });
    expect(end?.type === "final" && end.text).toContain(`You said: ${hello}`);
    expect(await run.done).toBe(end);
    // The same key again is the same run, never a second answer.
    const again = await client.send(session, hello, { idempotencyKey: run.runId });
    expect((await again.done).type).toBe("final");
    const page = await client.history(session, { limit: 20 });
    expect(page.messages.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("reads the conversation back from the history", async () => {
    const page = await client.history(session, { limit: 20 });
    const user = page.messages.find((m) => m.role === "user");
    const answer = page.messages.findLast((m) => m.role === "assistant");
    expect(user?.text).toMatch(/hello-[0-9a-f]{8}/);
    const said = /hello-[0-9a-f]{8}/.exec(user?.text ?? "")?.[0];
    expect(answer?.text).toContain(`You said: ${said}`);
    expect(page.hasMore).toBe(false);
    const sessions = await client.listSessions({ limit: 50 });
    expect(sessions.map((s) => s.key)).toContain(session);
  });

  it("shows tool activity when the model calls a tool", async () => {
    const run = await client.send(session, '!tool read {"path":"IDENTITY.md"}', {
      idempotencyKey: randomUUID(),
    });
    const { events, end } = await collect(run, Date.now());
    const tools = events.filter((e) => e.type === "tool");
    console.log(`[gateway] tool activity: ${JSON.stringify(tools.slice(0, 4))}`);
    expect(tools.length).toBeGreaterThan(0);
    expect(end?.type === "final" && end.text).toMatch(/tool read returned: .*Ada/);
  });

  it("stops a long answer with chat.abort", async () => {
    const started = Date.now();
    const run = await client.send(session, "!slow 400", { idempotencyKey: randomUUID() });
    let partial = "";
    let firstDeltaMs: number | undefined;
    for await (const e of run) {
      if (e.type === "delta") firstDeltaMs ??= Date.now() - started;
      if (e.type === "delta" && e.text.includes("w3")) {
        partial = e.text;
        const aborted = await client.abort(session, run.runId);
        expect(aborted).toMatchObject({ aborted: true });
        break;
      }
    }
    const end = await run.done;
    console.log(
      `[gateway] long answer (existing session): first delta ${firstDeltaMs} ms, stopped after ${Date.now() - started} ms at "${end.text.slice(-20)}"`,
    );
    expect(end.type).toBe("aborted");
    expect(end.text.startsWith(partial.slice(0, 20))).toBe(true);
    expect(end.text).not.toContain("w400");
  });

  it("is refused what needs operator.admin", async () => {
    for (const [method, params] of [
      ["config.set", { raw: "{}" }],
      ["sessions.reset", { key: session, reason: "reset" }],
    ] as const) {
      const err = await client.request(method, params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect({ code: (err as GatewayError).code, detail: (err as GatewayError).detail }).toEqual({
        code: "FORBIDDEN",
        detail: "MISSING_SCOPE",
      });
    }
  });

  it("comes back as the same device, with the same scopes", async () => {
    const deviceId = deviceIdOf(devices.identity(spec.employeeId).identity.publicKey);
    await client.close();
    const again = clientFor();
    const started = Date.now();
    const info = await again.connect(30_000);
    console.log(`[gateway] connect (paired device): ${Date.now() - started} ms`);
    expect([...info.scopes].sort()).toEqual([
      "operator.approvals",
      "operator.read",
      "operator.write",
    ]);
    expect(deviceIdOf(devices.identity(spec.employeeId).identity.publicKey)).toBe(deviceId);
  });

  it("is refused for an account the employee does not work for, quickly", async () => {
    const stranger = clientFor("account-2");
    const started = Date.now();
    const err = await stranger.connect(30_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).detail).toBe("AUTH_UNAUTHORIZED");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
