import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containersOf,
  docker,
  removeContainersOnNetwork,
  volumeExists,
} from "../../node-agent/test/docker-cli.ts";
import {
  type Client,
  E2E_NETWORK,
  hireBody,
  LiveSocket,
  root,
  type Stack,
  signIn,
  sleep,
  startStack,
} from "./stack.ts";

let stack: Stack;

beforeAll(async () => {
  removeContainersOnNetwork(E2E_NETWORK); // whatever an interrupted earlier run left
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
  removeContainersOnNetwork(E2E_NETWORK);
});

async function hire(client: Client): Promise<string> {
  const { employee } = await client.call("POST /api/employees", { body: hireBody });
  expect(employee.status).toBe("provisioning");
  return employee.id;
}

const state = (id: string) =>
  docker("inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", `iw-employee-${id}`);

describe("end to end: edge + node agent + Docker", () => {
  it("hires into a running hardened container, watched live; restart, stop, provision, fire", async () => {
    const client = await signIn(stack.edgeUrl, `e2e-${Date.now()}@example.com`);
    const id = await hire(client);
    const live = new LiveSocket(stack.edgeUrl, id, client.cookie);
    await live.opened();
    await live.waitFor((f) => f.employee?.status === "running");
    expect(live.statuses()).toEqual(["provisioning", "running"]);
    expect(containersOf(id)).toHaveLength(1);
    expect(state(id)).toBe("running healthy");
    expect(
      docker(
        "inspect",
        "-f",
        "{{json .HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}}",
        `iw-employee-${id}`,
      ),
    ).toBe('["ALL"] true');

    const startedAt = docker("inspect", "-f", "{{.State.StartedAt}}", `iw-employee-${id}`);
    let mark = live.frames.length;
    expect((await client.api(`/api/employees/${id}/restart`, { method: "POST" })).status).toBe(202);
    await live.waitFor((f) => f.employee?.status === "restarting", 10_000, mark);
    await live.waitFor((f) => f.employee?.status === "running", 60_000, mark);
    expect(docker("inspect", "-f", "{{.State.StartedAt}}", `iw-employee-${id}`)).not.toBe(
      startedAt,
    );

    mark = live.frames.length;
    expect((await client.api(`/api/employees/${id}/stop`, { method: "POST" })).status).toBe(202);
    await live.waitFor((f) => f.employee?.status === "stopped", 60_000, mark);
    expect(state(id)).toMatch(/^exited/);

    mark = live.frames.length;
    expect((await client.api(`/api/employees/${id}/provision`, { method: "POST" })).status).toBe(
      202,
    );
    await live.waitFor((f) => f.employee?.status === "running", 60_000, mark);
    expect(state(id)).toBe("running healthy");
    expect(containersOf(id)).toHaveLength(1);

    expect((await client.api(`/api/employees/${id}`, { method: "DELETE" })).status).toBe(202);
    await live.waitFor((f) => f.type === "removed", 60_000);
    expect(containersOf(id)).toHaveLength(0);
    expect(volumeExists(`iw-employee-${id}-data`)).toBe(false);
    const list = await client.call("GET /api/employees");
    expect(list.employees).toHaveLength(0);
    live.close();
  });

  it("survives the agent being killed mid-provision: running, with exactly one container", async () => {
    const client = await signIn(stack.edgeUrl, `e2e-kill-${Date.now()}@example.com`);
    const id = await hire(client);
    const deadline = Date.now() + 30_000;
    while (containersOf(id).length === 0 && Date.now() < deadline) await sleep(20);
    expect(containersOf(id)).toHaveLength(1);
    await stack.agent.kill("SIGKILL");
    const mid = await client.call("GET /api/employees/:id", { params: { id } });
    expect(mid.employee.status).toBe("provisioning");

    stack.agent.start();
    const live = new LiveSocket(stack.edgeUrl, id, client.cookie);
    await live.opened();
    await live.waitFor((f) => f.employee?.status === "running", 90_000);
    expect(containersOf(id)).toHaveLength(1);
    expect(state(id)).toBe("running healthy");
    live.close();
    await client.api(`/api/employees/${id}`, { method: "DELETE" });
  });

  it("heals an employee whose health check fails: unhealthy → restarting → running", async () => {
    const client = await signIn(stack.edgeUrl, `e2e-heal-${Date.now()}@example.com`);
    const id = await hire(client);
    const live = new LiveSocket(stack.edgeUrl, id, client.cookie);
    await live.opened();
    await live.waitFor((f) => f.employee?.status === "running");
    const mark = live.frames.length;
    docker("exec", `iw-employee-${id}`, "touch", "/tmp/sick");
    await live.waitFor((f) => f.employee?.status === "unhealthy", 30_000, mark);
    await live.waitFor((f) => f.employee?.status === "running", 60_000, mark);
    expect(live.statuses().slice(-3)).toEqual(["unhealthy", "restarting", "running"]);
    expect(state(id)).toBe("running healthy");
    live.close();
    await client.api(`/api/employees/${id}`, { method: "DELETE" });
  });

  // Restarting the engine is only done to an engine this project's own script started.
  const pidFile = "/run/instantworker-dockerd.pid";
  const ownEngine =
    existsSync(pidFile) &&
    readFileSync(`/proc/${readFileSync(pidFile, "utf8").trim()}/comm`, "utf8").trim() === "dockerd";
  it.runIf(ownEngine)("recovers statuses after dockerd restarts", async () => {
    const client = await signIn(stack.edgeUrl, `e2e-dockerd-${Date.now()}@example.com`);
    const id = await hire(client);
    const live = new LiveSocket(stack.edgeUrl, id, client.cookie);
    await live.opened();
    await live.waitFor((f) => f.employee?.status === "running");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    process.kill(pid, "SIGTERM");
    while (existsSync(`/proc/${pid}`)) await sleep(100);
    execFileSync("bash", [path.join(root, "infra/scripts/ensure-docker.sh")], { stdio: "inherit" });
    const deadline = Date.now() + 120_000;
    let final = "";
    while (Date.now() < deadline) {
      const e = await client.call("GET /api/employees/:id", { params: { id } });
      final = e.employee.status;
      if (final === "running" && state(id) === "running healthy") break;
      await sleep(500);
    }
    expect(final).toBe("running");
    expect(state(id)).toBe("running healthy");
    expect(containersOf(id)).toHaveLength(1);
    live.close();
    await client.api(`/api/employees/${id}`, { method: "DELETE" });
  });
});
