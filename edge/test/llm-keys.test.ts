import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import worker from "../index.ts";
import { LLM_KEY_FAILURES_PER_IP } from "../llm/key-lookup-limit.ts";
import { employeeStub } from "../objects/stubs.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import {
  api,
  hire,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  uniqueIp,
  waitForEmployee,
} from "./helpers.ts";
import { account, chat, errorCode, models, user } from "./llm-helpers.ts";

// A gateway key works only while its employee may run. Each test drives an employee through the
// real API and a scripted node agent, and uses its key as the employee's OpenClaw would, right
// after the change: the key is cached in this isolate by then, so what refuses it is the
// account's BudgetDO on the admitting call (and D1 for /v1/models).

// One node for the file: its agent brings every employee here to running.
let agent: FakeAgent;
let nodeId: string;
beforeAll(async () => {
  const node = await createNode();
  nodeId = node.id;
  agent = await FakeAgent.connect(node.token, { slots: 16 });
});
// Until the edge has seen the node go, so nothing of it is still running when the file ends.
afterAll(async () => {
  agent.close();
  await agent.waitClosed();
  for (let i = 0; i < 150; i++) {
    const row = await env.DB.prepare("SELECT status FROM nodes WHERE id = ?")
      .bind(nodeId)
      .first<{ status: string }>();
    if (row?.status === "offline") return;
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterEach(removeAllEmployees);

// The next command of a type for this employee (the agent also hears about earlier tests' ones).
type Command = "container.provision" | "container.stop" | "container.restart" | "container.remove";
async function next<T extends Command>(
  type: T,
  employeeId: string,
): Promise<Extract<EdgeFrame, { type: T }>> {
  for (;;) {
    const frame: Extract<EdgeFrame, { type: Command }> = await agent.next(type);
    if (frame.employeeId === employeeId) return frame as Extract<EdgeFrame, { type: T }>;
  }
}

const ask = (key: string) => chat(key, { model: "fast", messages: user("hi") });

async function expectRefused(key: string) {
  for (const res of [await ask(key), await models(key)]) {
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("invalid_api_key");
  }
}

// Each test walks an employee through several lifecycle steps: slow on a loaded machine.
const LIFECYCLE_TIMEOUT_MS = 30_000;

// A hired employee brought to running by the agent, its key used once (and so cached).
async function runningEmployee() {
  const cookie = await signIn(uniqueEmail("llm-key"));
  const hired = await hire(cookie);
  const provision = await next("container.provision", hired.id);
  const key = provision.spec.llm?.apiKey ?? "";
  await agent.completeProvision(provision);
  await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
  expect((await ask(key)).status).toBe(200);
  return { cookie, id: hired.id, key };
}

const act = (cookie: string, id: string, action: "stop" | "provision" | "restart") =>
  api(`/api/employees/${id}/${action}`, { method: "POST", cookie });

// Started again: a new provision brings a new key, which works; the old one stays refused.
async function startedAgain(
  e: Awaited<ReturnType<typeof runningEmployee>>,
  start: () => Promise<unknown>,
) {
  await start();
  const provision = await next("container.provision", e.id);
  const fresh = provision.spec.llm?.apiKey ?? "";
  expect(fresh).not.toBe(e.key);
  await agent.completeProvision(provision);
  await waitForEmployee(e.cookie, e.id, (x) => x.status === "running");
  expect((await ask(fresh)).status).toBe(200);
  expect((await models(fresh)).status).toBe(200);
  await expectRefused(e.key);
  return fresh;
}

async function finishStop(e: Awaited<ReturnType<typeof runningEmployee>>) {
  const stop = await next("container.stop", e.id);
  agent.send({ type: "result", id: stop.id, ok: true });
  await waitForEmployee(e.cookie, e.id, (x) => x.status === "stopped");
}

describe("a gateway key works only while its employee may run", () => {
  it(
    "stopped by the customer: refused at once; started again: the new key works; a restart keeps it",
    async () => {
      const e = await runningEmployee();
      expect((await act(e.cookie, e.id, "stop")).status).toBe(202);
      // Before the node has even stopped the container.
      await expectRefused(e.key);
      await finishStop(e);
      await expectRefused(e.key);

      const fresh = await startedAgain(e, () => act(e.cookie, e.id, "provision"));

      expect((await act(e.cookie, e.id, "restart")).status).toBe(202);
      const restart = await next("container.restart", e.id);
      expect((await ask(fresh)).status).toBe(200);
      agent.send({
        type: "result",
        id: restart.id,
        ok: true,
        data: { employeeId: e.id, containerId: `c-${e.id.slice(0, 8)}`, state: "running" },
      });
      await waitForEmployee(e.cookie, e.id, (x) => x.status === "running");
      expect((await ask(fresh)).status).toBe(200);
      expect((await models(fresh)).status).toBe(200);
    },
    LIFECYCLE_TIMEOUT_MS,
  );

  it(
    "held by billing: refused at once; released: the new key works",
    async () => {
      const e = await runningEmployee();
      const held = await employeeStub(env, e.id).hold("Billing says no.");
      expect(held.ok).toBe(true);
      await expectRefused(e.key);
      await finishStop(e);
      await startedAgain(e, () => employeeStub(env, e.id).release());
    },
    LIFECYCLE_TIMEOUT_MS,
  );

  it(
    "stopped because the trial ended (the cron's hold): refused at once",
    async () => {
      const e = await runningEmployee();
      const { trialEndsAt } = (await (await api("/api/me", { cookie: e.cookie })).json()) as {
        trialEndsAt: string;
      };
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({
          cron: "*/5 * * * *",
          scheduledTime: Date.parse(trialEndsAt) + 60_000,
        }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      await expectRefused(e.key);
      await finishStop(e);
    },
    LIFECYCLE_TIMEOUT_MS,
  );

  it(
    "fired: refused at once, before the node has removed anything",
    async () => {
      const e = await runningEmployee();
      expect(
        (await api(`/api/employees/${e.id}`, { method: "DELETE", cookie: e.cookie })).status,
      ).toBe(202);
      await expectRefused(e.key);
      const remove = await next("container.remove", e.id);
      agent.send({ type: "result", id: remove.id, ok: true });
      await expectRefused(e.key);
    },
    LIFECYCLE_TIMEOUT_MS,
  );
});

describe("unknown keys", () => {
  const randomKey = () => `iwk_${crypto.randomUUID().replaceAll("-", "")}`;

  it("are limited per client address: past the limit 429 before D1 is asked; only failures count", async () => {
    const a = await account();
    const ip = uniqueIp();
    // Valid keys looked up in D1 (/v1/models always looks) cost nothing against the limit.
    for (let i = 0; i < LLM_KEY_FAILURES_PER_IP.limit + 5; i++)
      expect((await models(a.key, { ip })).status).toBe(200);
    expect((await chat(a.key, { model: "fast", messages: user("hi") }, { ip })).status).toBe(200);

    // Failures until refused: the limit's burst, and what it replenished meanwhile.
    const { limit, windowMs } = LLM_KEY_FAILURES_PER_IP;
    const started = Date.now();
    let failures = 0;
    let limited: Response | undefined;
    // Until a refusal with the bucket just emptied, so the checks below cannot meet a refill.
    while (failures <= 2 * limit) {
      const res = await chat(randomKey(), { model: "fast", messages: user("hi") }, { ip });
      if (res.status === 401) {
        failures++;
        continue;
      }
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get("retry-after"));
      if (retryAfter >= (windowMs / limit / 1000) * 0.8) {
        limited = res;
        break;
      }
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
    }
    expect(failures).toBeGreaterThanOrEqual(limit);
    expect(failures).toBeLessThanOrEqual(
      limit + Math.ceil((Date.now() - started) / (windowMs / limit)) + 1,
    );
    expect(limited && (await errorCode(limited))).toBe("rate_limited");

    // Refused before the lookup: a valid key that needs D1 is refused too from this address...
    expect((await models(a.key, { ip })).status).toBe(429);
    // ...while one this isolate has cached costs no lookup and goes through,
    expect((await chat(a.key, { model: "fast", messages: user("hi") }, { ip })).status).toBe(200);
    // and another address is not held up.
    expect((await chat(randomKey(), {}, { ip: uniqueIp() })).status).toBe(401);
  }, 60_000);
});
