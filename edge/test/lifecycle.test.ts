import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { EmployeeDO } from "../objects/employee-do.ts";
import type { EmployeeRecord } from "../objects/employee-record.ts";
import { COMMAND_TIMEOUT_MS, MAX_COMMAND_ATTEMPTS } from "../objects/employee-timeouts.ts";
import { employeeStub, nodeStub } from "../objects/stubs.ts";
import { connectRaw, createNode, FakeAgent } from "./fake-agent.ts";
import {
  api,
  type EmployeeJson,
  errorOf,
  hire,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  waitForEmployee,
} from "./helpers.ts";

afterEach(removeAllEmployees);

// Makes the pending operation due now and runs the alarm, as time passing would.
async function expireOp(employeeId: string): Promise<void> {
  const stub = employeeStub(env, employeeId);
  await runInDurableObject(stub, (_obj: EmployeeDO, state) => {
    const record = state.storage.kv.get<EmployeeRecord>("employee");
    if (record?.op)
      state.storage.kv.put("employee", { ...record, op: { ...record.op, wakeAt: 0 } });
  });
  // The object's in-memory copy is reloaded from storage by a fresh instance.
  await runInDurableObject(stub, (obj: EmployeeDO) => {
    (obj as unknown as { record: EmployeeRecord | undefined }).record = undefined;
  });
  await runInDurableObject(stub, (obj: EmployeeDO, state) => {
    (obj as unknown as { record: EmployeeRecord | undefined }).record =
      state.storage.kv.get<EmployeeRecord>("employee");
  });
  await runDurableObjectAlarm(stub);
}

async function liveSocket(cookie: string, id: string) {
  const res = await exports.default.fetch(
    new Request(new URL(`/api/employees/${id}/live`, ORIGIN), {
      headers: { upgrade: "websocket", cookie },
    }),
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  ws.accept();
  const frames: { type: string; employee: EmployeeJson | null }[] = [];
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data))));
  return { ws, frames };
}

async function until(check: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("node agent connection", () => {
  it("answers a missing, wrong or revoked token 401 before any upgrade", async () => {
    const node = await createNode();
    for (const token of [undefined, "iwn_wrongwrongwrongwrongwrongwrong", "not-even-the-format"]) {
      const res = await connectRaw(token);
      expect(res.status).toBe(401);
      expect(res.webSocket).toBeNull();
      expect((await errorOf(res)).code).toBe("invalid_node_token");
    }
    await env.DB.prepare("UPDATE nodes SET revoked_at = ? WHERE id = ?")
      .bind(Date.now(), node.id)
      .run();
    const revoked = await connectRaw(node.token);
    expect(revoked.status).toBe(401);
    expect(revoked.webSocket).toBeNull();
  });

  it("marks the node online with its capacity on hello, offline on close", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 3 });
    const row = await env.DB.prepare(
      "SELECT status, capacity_slots, agent_version FROM nodes WHERE id = ?",
    )
      .bind(node.id)
      .first();
    expect(row).toEqual({ status: "online", capacity_slots: 3, agent_version: "fake-1" });
    expect((await nodeStub(env, node.id).status()).connected).toBe(true);
    agent.close();
    await until(() => agent.closed !== undefined, "close");
    const deadline = Date.now() + 3000;
    let status = "online";
    while (status !== "offline" && Date.now() < deadline) {
      status =
        (
          await env.DB.prepare("SELECT status FROM nodes WHERE id = ?")
            .bind(node.id)
            .first<{ status: string }>()
        )?.status ?? "";
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe("offline");
  });

  it("rejects and logs malformed frames, frames before hello and frames about foreign employees", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { hello: false });
    agent.send({ type: "heartbeat", capacity: { slots: 1, memoryMb: 1 }, running: 0 });
    expect((await agent.next("rejected")).reason).toMatch(/before hello/);
    // No slots: nothing gets placed on this node, so the employee below is truly another node's.
    agent.send({
      type: "hello",
      protocol: 1,
      agentVersion: "x",
      capacity: { slots: 0, memoryMb: 1 },
      inventory: [],
    });
    await agent.next("welcome");
    agent.sendRaw("{not json");
    expect((await agent.next("rejected")).reason).toMatch(/not JSON/);
    agent.send({ type: "container.exploded", employeeId: "x" });
    expect((await agent.next("rejected")).reason).toMatch(/invalid frame/);
    // A real employee of someone else, placed on no node of this agent's.
    const cookie = await signIn(uniqueEmail("foreign"));
    const theirs = await hire(cookie);
    agent.send({
      type: "container.health_changed",
      employeeId: theirs.id,
      containerId: "c",
      health: "unhealthy",
    });
    expect((await agent.next("rejected")).reason).toMatch(/not placed on this node/);
    expect(
      (await api(`/api/employees/${theirs.id}`, { cookie }).then((r) => r.json())) as {
        employee: EmployeeJson;
      },
    ).toMatchObject({
      employee: { status: "provisioning" },
    });
    agent.close();
  });

  it("closes a socket that speaks another protocol version", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { hello: false });
    agent.send({
      type: "hello",
      protocol: 99,
      agentVersion: "future",
      capacity: { slots: 1, memoryMb: 1 },
      inventory: [],
    });
    expect((await agent.waitClosed()).code).toBe(4002);
  });
});

describe("employee lifecycle with a node agent", () => {
  it("hire → provisioning → running, seen live by several viewers; restart, stop, provision, fire", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 2 });
    const cookie = await signIn(uniqueEmail("life"));
    const hired = await hire(cookie, { name: "Lin" });
    expect(hired.status).toBe("provisioning");
    expect(hired.node).toBe(node.id);

    const viewers = [await liveSocket(cookie, hired.id), await liveSocket(cookie, hired.id)];
    for (const v of viewers) await until(() => v.frames.length > 0, "the first live frame");
    expect(viewers[0]?.frames[0]?.employee?.status).toBe("provisioning");

    const provision = await agent.next("container.provision");
    expect(provision.spec).toMatchObject({
      employeeId: hired.id,
      name: "Lin",
      role: "executive-assistant",
      tone: "friendly",
    });
    // The provision command is where the employee's gateway key travels, and the key works.
    expect(provision.spec.llm?.baseUrl).toBe("http://localhost:8787/v1");
    const llmKey = provision.spec.llm?.apiKey ?? "";
    const models = () => api("/v1/models", { headers: { authorization: `Bearer ${llmKey}` } });
    expect((await models()).status).toBe(200);
    await agent.completeProvision(provision, "container-1");
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    for (const v of viewers) {
      await until(
        () => v.frames.some((f) => f.employee?.status === "running"),
        "running on every viewer",
      );
      const steps = v.frames.map((f) => f.employee?.step).filter(Boolean);
      expect(steps).toEqual(
        expect.arrayContaining(["Starting the container", "Waiting for the employee to be ready"]),
      );
    }

    expect(
      (await api(`/api/employees/${hired.id}/restart`, { method: "POST", cookie })).status,
    ).toBe(202);
    const restart = await agent.next("container.restart");
    expect(
      (await (await api(`/api/employees/${hired.id}`, { cookie })).json()) as {
        employee: EmployeeJson;
      },
    ).toMatchObject({
      employee: { status: "restarting" },
    });
    agent.send({
      type: "result",
      id: restart.id,
      ok: true,
      data: { employeeId: hired.id, containerId: "container-1", state: "running" },
    });
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");

    expect((await api(`/api/employees/${hired.id}/stop`, { method: "POST", cookie })).status).toBe(
      202,
    );
    const stop = await agent.next("container.stop");
    agent.send({ type: "result", id: stop.id, ok: true });
    await waitForEmployee(cookie, hired.id, (e) => e.status === "stopped");

    expect(
      (await api(`/api/employees/${hired.id}/provision`, { method: "POST", cookie })).status,
    ).toBe(202);
    const again = await agent.next("container.provision");
    await agent.completeProvision(again, "container-1");
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");

    expect((await api(`/api/employees/${hired.id}`, { method: "DELETE", cookie })).status).toBe(
      202,
    );
    await waitForEmployee(cookie, hired.id, (e) => e.status === "removing");
    const remove = await agent.next("container.remove");
    agent.send({ type: "result", id: remove.id, ok: true });
    await until(
      () => viewers.every((v) => v.frames.some((f) => f.type === "removed")),
      "removed frames",
    );
    const list = (await (await api("/api/employees", { cookie })).json()) as {
      employees: unknown[];
    };
    expect(list.employees).toHaveLength(0);
    expect((await api(`/api/employees/${hired.id}`, { cookie })).status).toBe(404);
    expect((await models()).status).toBe(401); // firing revoked the gateway key
    expect((await nodeStub(env, node.id).status()).placements).not.toContain(hired.id);
    agent.close();
  });

  it("waits visibly for a server and proceeds when one connects", async () => {
    const cookie = await signIn(uniqueEmail("wait"));
    const hired = await hire(cookie);
    expect(hired).toMatchObject({
      status: "provisioning",
      node: null,
      step: "Waiting for a server with room",
    });
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const provision = await agent.next("container.provision");
    expect(provision.employeeId).toBe(hired.id);
    await agent.completeProvision(provision);
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running" && e.node === node.id);
    agent.close();
  });

  it("keeps commands for an absent agent and delivers them when it reconnects", async () => {
    const node = await createNode();
    const first = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("outbox"));
    const hired = await hire(cookie);
    const provision = await first.next("container.provision");
    // The agent dies before answering.
    first.close();
    await first.waitClosed();
    expect((await nodeStub(env, node.id).status()).queuedCommands).toBe(1);

    const second = await FakeAgent.connect(node.token, { slots: 1 });
    const redelivered = await second.next("container.provision");
    expect(redelivered.id).toBe(provision.id);
    await second.completeProvision(redelivered);
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    // Running: its knowledge base follows, queued like any command until the agent answers.
    const sync = await second.next("knowledge.sync");
    expect((await nodeStub(env, node.id).status()).queuedCommands).toBe(1);
    second.send({ type: "result", id: sync.id, ok: true });
    await expect.poll(async () => (await nodeStub(env, node.id).status()).queuedCommands).toBe(0);
    second.close();
  });

  it("retries a command that times out with a new id, then ends in error with a reason", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("timeout"));
    const hired = await hire(cookie);
    const ids = [(await agent.next("container.provision")).id];
    for (let attempt = 2; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
      await expireOp(hired.id); // the deadline passes: schedule a retry with backoff
      await expireOp(hired.id); // the backoff passes: send it again
      ids.push((await agent.next("container.provision")).id);
    }
    expect(new Set(ids).size).toBe(MAX_COMMAND_ATTEMPTS);
    await expireOp(hired.id);
    const failed = await waitForEmployee(cookie, hired.id, (e) => e.status === "error");
    expect(failed.statusReason).toMatch(
      new RegExp(
        `did not finish within ${COMMAND_TIMEOUT_MS["container.provision"] / 1000} seconds.*after 3 attempts.*Start`,
      ),
    );
    // A late answer to an abandoned command changes nothing.
    agent.send({
      type: "result",
      id: ids[0] ?? "",
      ok: true,
      data: { employeeId: hired.id, containerId: "late", state: "running" },
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await waitForEmployee(cookie, hired.id, () => true)).status).toBe("error");

    // Start again from error: it provisions and runs.
    expect(
      (await api(`/api/employees/${hired.id}/provision`, { method: "POST", cookie })).status,
    ).toBe(202);
    await agent.completeProvision(await agent.next("container.provision"));
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    agent.close();
  });

  it("ends a non-retryable failure in error at once, with the agent's reason", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("fatal"));
    const hired = await hire(cookie);
    const provision = await agent.next("container.provision");
    agent.send({
      type: "result",
      id: provision.id,
      ok: false,
      error: {
        code: "image_missing",
        message: "The employee image is not on this server",
        retryable: false,
      },
    });
    const failed = await waitForEmployee(cookie, hired.id, (e) => e.status === "error");
    expect(failed.statusReason).toBe(
      "Starting the employee failed: The employee image is not on this server. Press Start to try again.",
    );
    agent.close();
  });

  it("heals itself: unhealthy → restarting → running", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("heal"));
    const hired = await hire(cookie);
    await agent.completeProvision(await agent.next("container.provision"), "c-heal");
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    const viewer = await liveSocket(cookie, hired.id);
    agent.send({
      type: "container.health_changed",
      employeeId: hired.id,
      containerId: "c-heal",
      health: "unhealthy",
    });
    const restart = await agent.next("container.restart");
    await until(
      () => viewer.frames.some((f) => f.employee?.status === "unhealthy"),
      "unhealthy frame",
    );
    await until(
      () => viewer.frames.some((f) => f.employee?.status === "restarting"),
      "restarting frame",
    );
    agent.send({
      type: "result",
      id: restart.id,
      ok: true,
      data: { employeeId: hired.id, containerId: "c-heal", state: "running" },
    });
    await waitForEmployee(
      cookie,
      hired.id,
      (e) => e.status === "running" && e.statusReason === null,
    );
    agent.close();
  });

  it("reconciles on reconnect: a running employee whose container is gone is brought back", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("inventory"));
    const hired = await hire(cookie);
    await agent.completeProvision(await agent.next("container.provision"), "c-inv");
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    agent.close();
    await agent.waitClosed();
    // The agent comes back reporting no container for this employee.
    const back = await FakeAgent.connect(node.token, { slots: 1, inventory: [] });
    const reconcile = await back.next("inventory.reconcile");
    expect(reconcile.keep).toEqual([hired.id]);
    const restart = await back.next("container.restart");
    expect(restart.employeeId).toBe(hired.id);
    back.send({
      type: "result",
      id: restart.id,
      ok: true,
      data: { employeeId: hired.id, containerId: "c-new", state: "running" },
    });
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    back.close();
  });

  it("never places more employees on a node than it has slots", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const a = await signIn(uniqueEmail("slot-a"));
    const b = await signIn(uniqueEmail("slot-b"));
    const [ea, eb] = await Promise.all([hire(a), hire(b)]);
    const placed = [ea, eb].filter((e) => e?.node === node.id);
    expect(placed).toHaveLength(1);
    expect([ea, eb].filter((e) => e?.node === null)[0]?.step).toBe(
      "Waiting for a server with room",
    );
    agent.close();
  });
});
