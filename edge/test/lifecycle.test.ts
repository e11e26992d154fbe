import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../contract/employee.ts";
import {
  COMMAND_TIMEOUT_MS,
  MAX_COMMAND_ATTEMPTS,
  RETRY_BACKOFF_MAX_MS,
} from "../objects/employee-timeouts.ts";
import { HEARTBEAT_TIMEOUT_MS } from "../objects/node-timeouts.ts";
import { employeeStub, nodeStub } from "../objects/stubs.ts";
import { employeeObject, nodeObject } from "./clocks.ts";
import { connectRaw, createNode, FakeAgent } from "./fake-agent.ts";
import {
  api,
  errorOf,
  hire,
  hireBody,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  waitForEmployee,
} from "./helpers.ts";

afterEach(removeAllEmployees);

// Longer than any command's deadline and any retry's backoff (with its jitter).
const PAST_ANY_WAIT_MS = Math.max(...Object.values(COMMAND_TIMEOUT_MS), RETRY_BACKOFF_MAX_MS * 2);

// Time passes for the employee's object past whatever it waits for, and its alarm rings.
async function expireOp(employeeId: string): Promise<void> {
  const object = employeeObject(employeeId);
  await object.advanceClock(PAST_ANY_WAIT_MS);
  expect(await runDurableObjectAlarm(object)).toBe(true);
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
  const frames: { type: string; employee: Employee | null }[] = [];
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

  it("closes the socket of an agent silent past the heartbeat timeout, and not before", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const object = nodeObject(node.id);
    await object.advanceClock(HEARTBEAT_TIMEOUT_MS - 1_000);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect((await object.status()).connected).toBe(true);
    await object.advanceClock(1_001);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await agent.waitClosed()).toEqual({ code: 4008, reason: "heartbeat timeout" });
    const row = await env.DB.prepare("SELECT status FROM nodes WHERE id = ?")
      .bind(node.id)
      .first<{ status: string }>();
    expect(row?.status).toBe("offline");
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
        employee: Employee;
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
      expect(steps).toEqual(expect.arrayContaining(["starting_container", "waiting_until_ready"]));
    }

    expect(
      (await api(`/api/employees/${hired.id}/restart`, { method: "POST", cookie })).status,
    ).toBe(202);
    const restart = await agent.next("container.restart");
    expect(
      (await (await api(`/api/employees/${hired.id}`, { cookie })).json()) as {
        employee: Employee;
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
      step: "waiting_for_server",
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
    // Running: its knowledge base and its scheduled work (issue 18) follow, queued like any
    // command until the agent answers.
    const sync = await second.next("knowledge.sync");
    const schedules = await second.next("schedules.sync");
    expect((await nodeStub(env, node.id).status()).queuedCommands).toBe(2);
    second.send({ type: "result", id: sync.id, ok: true });
    second.send({ type: "result", id: schedules.id, ok: true });
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
    expect([ea, eb].filter((e) => e?.node === null)[0]?.step).toBe("waiting_for_server");
    agent.close();
  });
});

// A node agent that does what it is told, in the order it is told, like Docker behind the real
// agent: a provision makes a container, a remove takes it away. `containers` is what would be
// running on the server. Each answer comes after a random pause, so rounds interleave differently.
class ObedientAgent {
  readonly containers = new Set<string>();
  readonly agent: FakeAgent;
  private work: Promise<void> = Promise.resolve();

  constructor(agent: FakeAgent) {
    this.agent = agent;
    agent.ws.addEventListener("message", (e) => {
      const frame = JSON.parse(String(e.data)) as {
        type: string;
        id: string;
        employeeId?: string;
      };
      this.work = this.work
        .then(() => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4))))
        .then(() => this.answer(frame));
    });
  }

  private answer(frame: { type: string; id: string; employeeId?: string }): void {
    const employeeId = frame.employeeId;
    if (!employeeId || !frame.type.startsWith("container.")) return;
    const containerId = `c-${employeeId.slice(0, 8)}`;
    const ok = (state: "running" | "stopped" | "missing") =>
      this.agent.send({
        type: "result",
        id: frame.id,
        ok: true,
        data: { employeeId, containerId: state === "missing" ? null : containerId, state },
      });
    switch (frame.type) {
      case "container.provision":
        this.containers.add(employeeId);
        this.agent.send({ type: "container.created", employeeId, containerId });
        this.agent.send({ type: "container.started", employeeId, containerId });
        ok("running");
        break;
      case "container.start":
      case "container.restart":
        if (this.containers.has(employeeId)) ok("running");
        else
          this.agent.send({
            type: "result",
            id: frame.id,
            ok: false,
            error: { code: "not_found", message: "no such container", retryable: false },
          });
        break;
      case "container.stop":
        ok("stopped");
        break;
      case "container.remove":
        this.containers.delete(employeeId);
        this.agent.send({ type: "container.removed", employeeId, containerId });
        ok("missing");
        break;
    }
  }
}

// The Worker's binding to EmployeeDO, except that `create` fails as a dropped connection would:
// before the object got the call, or after it acted on it (the answer lost).
function employeesWhoseCreateFails(when: "before" | "after"): Cloudflare.Env["EMPLOYEE_DO"] {
  const real = env.EMPLOYEE_DO;
  return {
    idFromName: (name: string) => real.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = real.get(id);
      return new Proxy(stub, {
        get(target, prop) {
          if (prop === "create")
            return async (input: Parameters<typeof target.create>[0]) => {
              if (when === "after") await target.create(input);
              throw new Error("simulated: the connection to the object was lost");
            };
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  } as unknown as Cloudflare.Env["EMPLOYEE_DO"];
}

describe("firing races provisioning", () => {
  // 40 rounds in all: about 45 s on an idle machine; on today's code before the fix most rounds
  // of the first scenarios and a few of the delayed ones leave something behind.
  const ROUNDS = 8;

  it("leaves either the employee with its object, or nothing at all: no object, placement or container outside D1", async () => {
    // Nodes other tests left online would take placements that no agent here answers.
    const node = await createNode();
    await env.DB.prepare("UPDATE nodes SET revoked_at = ? WHERE id != ? AND revoked_at IS NULL")
      .bind(Date.now(), node.id)
      .run();
    const obedient = new ObedientAgent(await FakeAgent.connect(node.token, { slots: 500 }));
    const fired: string[] = [];
    const post = (cookie: string, path: string) => api(path, { method: "POST", cookie });
    const fire = (cookie: string, id: string) =>
      api(`/api/employees/${id}`, { method: "DELETE", cookie });

    type Scenario = (cookie: string) => Promise<void>;
    const hireFailing =
      (when: "before" | "after", race: (cookie: string, id: string) => Promise<Response>[]) =>
      async (cookie: string) => {
        const res = await api("/api/employees", {
          method: "POST",
          json: hireBody({ name: `Race ${when}` }),
          cookie,
          envOverride: { EMPLOYEE_DO: employeesWhoseCreateFails(when) },
        });
        expect(res.status).toBe(201);
        const { employee: hired } = (await res.json()) as { employee: Employee };
        expect(hired.status).toBe("error");
        const answers = await Promise.all(race(cookie, hired.id));
        expect(answers[0]?.status).toBe(202);
        fired.push(hired.id);
      };
    const scenarios: [string, Scenario][] = [
      [
        "fire ‖ provision, after a hire whose object never started",
        hireFailing("before", (cookie, id) => [
          fire(cookie, id),
          post(cookie, `/api/employees/${id}/provision`),
        ]),
      ],
      [
        "fire ‖ restart ‖ provision, after a hire whose object never started",
        hireFailing("before", (cookie, id) => [
          fire(cookie, id),
          post(cookie, `/api/employees/${id}/restart`),
          post(cookie, `/api/employees/${id}/provision`),
        ]),
      ],
      [
        "provision, then fire a moment later (while the object is placing it)",
        hireFailing("before", (cookie, id) => {
          const start = post(cookie, `/api/employees/${id}/provision`);
          const later = new Promise((r) => setTimeout(r, Math.random() * 30)).then(() =>
            fire(cookie, id),
          );
          return [later, start];
        }),
      ],
      [
        "fire ‖ provision, after a hire whose answer was lost",
        hireFailing("after", (cookie, id) => [
          fire(cookie, id),
          post(cookie, `/api/employees/${id}/provision`),
        ]),
      ],
      [
        "provision ‖ restart of a stopped employee, fired at once or a moment later",
        async (cookie) => {
          const hired = await hire(cookie);
          await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
          await post(cookie, `/api/employees/${hired.id}/stop`);
          await waitForEmployee(cookie, hired.id, (e) => e.status === "stopped");
          const started = [
            post(cookie, `/api/employees/${hired.id}/provision`),
            post(cookie, `/api/employees/${hired.id}/restart`),
          ];
          await new Promise((r) => setTimeout(r, Math.random() * 20));
          const answers = await Promise.all([fire(cookie, hired.id), ...started]);
          expect(answers[0]?.status).toBe(202);
          fired.push(hired.id);
        },
      ],
    ];

    for (const [, scenario] of scenarios)
      for (let round = 0; round < ROUNDS; round++)
        await scenario(await signIn(uniqueEmail("race")));

    // Every fired employee is eventually gone everywhere: D1, its object, the node's placements
    // (what the agent is told to keep) and the server.
    const state = async (id: string) => ({
      id,
      row: Boolean(
        await env.DB.prepare("SELECT 1 AS x FROM employees WHERE id = ?").bind(id).first(),
      ),
      object: (await employeeStub(env, id).view()) !== null,
      placed: (await nodeStub(env, node.id).status()).placements.includes(id),
      container: obedient.containers.has(id),
    });
    const gone = (s: Awaited<ReturnType<typeof state>>) =>
      !s.row && !s.object && !s.placed && !s.container;
    const deadline = Date.now() + 30_000;
    let left = await Promise.all(fired.map(state));
    while (left.some((s) => !gone(s)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = await Promise.all(fired.map(state));
    }
    const label = new Map(
      scenarios.flatMap(([name], i) =>
        fired.slice(i * ROUNDS, (i + 1) * ROUNDS).map((id) => [id, name] as const),
      ),
    );
    expect(left.filter((s) => !gone(s)).map((s) => ({ ...s, scenario: label.get(s.id) }))).toEqual(
      [],
    );

    // A new connection's reconcile keeps none of them, so the agent removes whatever it has.
    obedient.agent.close();
    const again = await FakeAgent.connect(node.token, { slots: 500 });
    const { keep } = await again.next("inventory.reconcile");
    expect(keep.filter((id) => fired.includes(id))).toEqual([]);
    again.close();
  }, 300_000);
});
