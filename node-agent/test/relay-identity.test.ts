// The relay names its callers by their address on the real employee network: two containers of
// the test image call it from inside (busybox wget) and each reaches the gateway with its own key;
// anything else gets 403; a removed container's address is forgotten on Docker's event.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmployeeAddresses } from "../llm-relay/employee-addresses.ts";
import { EmployeeKeys, KEYS_DIR } from "../llm-relay/employee-keys.ts";
import { startLlmRelay } from "../llm-relay/llm-relay.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";
import { type Recorded, rawRequest, recordingServer } from "./raw-http.ts";

const PREFIX = `r${process.pid}`;
const employeeA = `${PREFIX}-a`;
const employeeB = `${PREFIX}-b`;
const keyOf = (id: string) => `iwk_${id.replace(/-/g, "_")}_000000000000000000000`;
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-relay-state-"));
const log = createLogger("silent");
const runtime = new DockerRuntime({
  socketPath: "/var/run/docker.sock",
  image: process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1",
  memoryMb: 128,
  cpus: 0.5,
  pidsLimit: 64,
  network: "instantworker-relay-test",
  readyTimeoutMs: 30_000,
  teamFilesRoot: path.join(stateDir, "team-files"),
  disksRoot: testDisksRoot(PREFIX),
  log,
});
const keys = new EmployeeKeys(stateDir);
let addresses: EmployeeAddresses;
let gateway: { server: Server; port: number; seen: Recorded[] };
let relay: Server;
let relayUrl = "";

const spec = (employeeId: string) => ({
  employeeId,
  accountId: "user-1",
  name: "T",
  role: "researcher",
  tone: "concise",
  skills: [],
});
// An HTTP/1.0 request from inside the container through busybox's nc (its wget cannot read a
// response under gVisor), the target sent as written. Code 0 for a 2xx, as wget would exit. Not a
// synchronous exec: the relay answering it runs in this process.
const ANSWER_WAIT_S = 3;
const fromInside = (employeeId: string, target: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    const { hostname, port } = new URL(relayUrl);
    execFile(
      "docker",
      [
        "exec",
        `iw-employee-${employeeId}`,
        "sh",
        "-c",
        // The request stays open for writing until the answer is in (a half-closed request is
        // one the relay may drop); the relay closes after an HTTP/1.0 answer.
        `{ printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' "$1" "$2"; sleep ${ANSWER_WAIT_S}; } | busybox nc "$3" "$4"`,
        "sh",
        target,
        `${hostname}:${port}`,
        hostname,
        port,
      ],
      { encoding: "utf8", timeout: 15_000 },
      (err, stdout, stderr) =>
        resolve({
          code: !err && /^HTTP\/1\.[01] 2\d\d /.test(stdout) ? 0 : 1,
          out: `${stdout}${stderr}`,
        }),
    );
  });

beforeAll(async () => {
  removeTestEmployees(PREFIX);
  gateway = await recordingServer(() => ({ status: 200, body: '{"object":"list","data":[]}' }));
  for (const id of [employeeA, employeeB]) keys.put(id, keyOf(id));
  addresses = new EmployeeAddresses(runtime);
  const host = await runtime.proxyAddress();
  relay = await startLlmRelay({
    host,
    port: 0,
    upstream: `http://127.0.0.1:${gateway.port}/v1`,
    addresses,
    keys,
    log,
  });
  const relayPort = (relay.address() as AddressInfo).port;
  relayUrl = `http://${host}:${relayPort}`;
  // As the agent starts: the relay's port is the one port of the node employees may reach.
  await runtime.prepare({ relayPort });
  await Promise.all([employeeA, employeeB].map((id) => runtime.provision(spec(id))));
});

afterAll(async () => {
  addresses?.close();
  relay?.close();
  gateway?.server.close();
  removeTestEmployees(PREFIX);
  await runtime.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the relay's callers", () => {
  it("keeps each key in a 0600 file of the agent's state folder, nowhere in the container", () => {
    expect(statSync(path.join(stateDir, KEYS_DIR)).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(stateDir, KEYS_DIR, employeeA)).mode & 0o777).toBe(0o600);
    const inspect = docker("inspect", `iw-employee-${employeeA}`);
    expect(inspect).not.toContain(keyOf(employeeA));
    expect(inspect).not.toContain(KEYS_DIR);
  });

  it("are named by their address on the employee network, each reaching the gateway with its own key", async () => {
    const before = gateway.seen.length;
    for (const id of [employeeA, employeeB]) {
      const r = await fromInside(id, "/v1/models");
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('"object":"list"');
    }
    expect(gateway.seen.slice(before).map((r) => r.headers.authorization)).toEqual([
      `Bearer ${keyOf(employeeA)}`,
      `Bearer ${keyOf(employeeB)}`,
    ]);
    // And only the relayed paths: inside the container too, a path that climbs is a 404.
    const climb = await fromInside(employeeA, "/v1/%2e%2e/api/dev/mailbox");
    expect(climb.code).not.toBe(0);
    expect(climb.out).toContain("404");
  });

  it("answers 403 to anything on the node that is not one of its employees", async () => {
    const u = new URL(relayUrl);
    const answer = await rawRequest(Number(u.port), "GET /v1/models HTTP/1.1\r\nHost: r\r\n\r\n", {
      host: u.hostname,
    });
    expect(answer.status).toBe(403);
  });

  it("forgets a removed container's address at once, on Docker's event", async () => {
    const ip = docker(
      "inspect",
      "-f",
      '{{(index .NetworkSettings.Networks "instantworker-relay-test").IPAddress}}',
      `iw-employee-${employeeB}`,
    );
    expect(await addresses.employeeAt(ip)).toBe(employeeB);
    await runtime.remove(employeeB);
    const deadline = Date.now() + 1500; // well within the cache's own 5 s
    let who: string | null = employeeB;
    while (who && Date.now() < deadline) {
      who = await addresses.employeeAt(ip);
      if (who) await new Promise((r) => setTimeout(r, 50));
    }
    expect(who).toBeNull();
  });
});
