import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../contract/employee.ts";
import { PLACEMENT_RETRY_MAX_MS } from "../objects/employee-timeouts.ts";
import { DEFAULT_EXPECTED_MS, LAUNCH_HISTORY_SIZE } from "../objects/launch-view.ts";
import { employeeObject } from "./clocks.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import {
  client,
  employee,
  hire,
  hireBody,
  mailbox,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  waitForEmployee,
} from "./helpers.ts";
import { AnsweringAgent } from "./lifecycle-helpers.ts";

// The launch a customer watches: each step's real time measured and kept, what each usually
// takes, the place in the queue while no server has room, and the one email once it is ready.

afterEach(removeAllEmployees);

const stepOf = (e: Employee, id: string) => e.launch?.steps.find((s) => s.id === id);

async function timingsOn(nodeId: string) {
  const { results } = await env.DB.prepare(
    "SELECT step, duration_ms AS ms FROM launch_timings WHERE node_id = ? ORDER BY ended_at, rowid",
  )
    .bind(nodeId)
    .all<{ step: string; ms: number }>();
  return results;
}

const readyMails = async (email: string) =>
  (await mailbox(email)).filter((m) => m.link?.includes("/employees/"));

describe("launch steps", () => {
  it("records each step's real duration and shows the checklist on GET and the live socket", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 2 });
    const cookie = await signIn(uniqueEmail("launch-steps"));
    const hired = await hire(cookie);
    const provision = await agent.next("container.provision");
    expect(stepOf(await employee(cookie, hired.id), "preparing_workspace")?.status).toBe("active");

    const res = await exports.default.fetch(
      new Request(new URL(`/api/employees/${hired.id}/live`, ORIGIN), {
        headers: { upgrade: "websocket", cookie },
      }),
    );
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const frames: Employee[] = [];
    ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)).employee));

    // Seven seconds pass on the employee's clock before the node reports the container made.
    await employeeObject(hired.id).advanceClock(7_000);
    agent.send({ type: "container.created", employeeId: hired.id, containerId: "c-1" });
    const seen = await waitForEmployee(
      cookie,
      hired.id,
      (e) => stepOf(e, "starting_container")?.status === "active",
    );
    expect(seen.launch?.steps.map((s) => [s.id, s.status])).toEqual([
      ["finding_server", "done"],
      ["preparing_workspace", "done"],
      ["starting_container", "active"],
      ["waiting_until_ready", "pending"],
    ]);
    await expect
      .poll(() => frames.some((f) => stepOf(f, "starting_container")?.status === "active"))
      .toBe(true);
    const [prepared] = (await timingsOn(node.id)).filter((t) => t.step === "preparing_workspace");
    expect(prepared?.ms).toBeGreaterThanOrEqual(7_000);
    expect(prepared?.ms).toBeLessThan(7_000 + 10_000);

    await agent.completeProvision(provision);
    const running = await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
    expect(running.launch).toBeUndefined();
    await expect
      .poll(async () => (await timingsOn(node.id)).map((t) => t.step))
      .toEqual([
        "finding_server",
        "preparing_workspace",
        "starting_container",
        "waiting_until_ready",
      ]);
    ws.close();
    agent.close();
  });

  it("expects each step to take the median of its latest measurements", async () => {
    // Newer than anything a launch records in this run, so they are the latest.
    const future = Date.now() + 365 * 86_400_000;
    // A full history: four in five around 12 s, one in five a launch of fifteen minutes.
    const seeded = Array.from({ length: LAUNCH_HISTORY_SIZE }, (_, i) =>
      i % 5 === 0 ? 900_000 : 10_000 + (i % 5) * 1_000,
    );
    const ids: string[] = [];
    for (const [i, ms] of seeded.entries()) {
      const id = crypto.randomUUID();
      ids.push(id);
      await env.DB.prepare(
        "INSERT INTO launch_timings (id, step, duration_ms, node_id, ended_at) VALUES (?, 'waiting_until_ready', ?, NULL, ?)",
      )
        .bind(id, ms, future + i)
        .run();
    }
    try {
      const cookie = await signIn(uniqueEmail("launch-expected"));
      const hired = await hire(cookie);
      const seen = await waitForEmployee(
        cookie,
        hired.id,
        (e) =>
          stepOf(e, "waiting_until_ready")?.expectedMs !== DEFAULT_EXPECTED_MS.waiting_until_ready,
      );
      // The slow launches do not move it (their mean would be over three minutes).
      expect(stepOf(seen, "waiting_until_ready")?.expectedMs).toBe(13_000);
    } finally {
      await env.DB.prepare(
        `DELETE FROM launch_timings WHERE id IN (${ids.map(() => "?").join(",")})`,
      )
        .bind(...ids)
        .run();
    }
  });
});

describe("waiting for a server", () => {
  it("shows each employee its place in line, and serves them in that order as slots free", async () => {
    const people = await Promise.all(["q1", "q2", "q3"].map((t) => signIn(uniqueEmail(t))));
    const hired: Employee[] = [];
    // No server is online: each waits behind those hired before it.
    for (const cookie of people) hired.push(await hire(cookie));
    const [a, b, c] = hired.map((e) => e.id) as [string, string, string];
    const [ca, cb, cc] = people as [string, string, string];
    for (const [i, e] of hired.entries()) {
      expect(e.step).toBe("waiting_for_server");
      expect(e.launch?.queuePosition).toBe(i + 1);
      expect(stepOf(e, "waiting_for_server")?.status).toBe("active");
    }
    expect((await employee(cb, b)).launch?.queuePosition).toBe(2);

    // A server with one slot: the first in line takes it; the others keep waiting.
    const node = await createNode();
    const one = new AnsweringAgent(await FakeAgent.connect(node.token, { slots: 1 }));
    await waitForEmployee(ca, a, (e) => e.status === "running");
    expect((await employee(cb, b)).node).toBeNull();
    expect((await employee(cc, c)).node).toBeNull();

    // The server makes room for one more; the third happens to look first, but the second is
    // ahead of it: the third keeps waiting, now second in line.
    one.agent.send({ type: "heartbeat", capacity: { slots: 2, memoryMb: 1 }, running: 1 });
    await expect
      .poll(async () =>
        env.DB.prepare("SELECT capacity_slots AS n FROM nodes WHERE id = ?")
          .bind(node.id)
          .first<number>("n"),
      )
      .toBe(2);
    const lookAgain = async (id: string) => {
      const object = employeeObject(id);
      await object.advanceClock(PLACEMENT_RETRY_MAX_MS * 2);
      await runDurableObjectAlarm(object);
    };
    await lookAgain(c);
    const third = await employee(cc, c);
    expect(third.node).toBeNull();
    expect(third.launch?.queuePosition).toBe(2);
    await lookAgain(b);
    await waitForEmployee(cb, b, (e) => e.status === "running");

    // The first is fired: its slot frees and the third, first in line now, takes it at once.
    await client(ca)("DELETE /api/employees/:id", { params: { id: a } });
    await waitForEmployee(cc, c, (e) => e.status === "running");
    one.close();
  });
});

describe("the ready email", () => {
  it("goes once, in the hirer's language, when the employee first runs: not on restart or a later start", async () => {
    const node = await createNode();
    const agent = await AnsweringAgent.connect(node.token);
    const email = uniqueEmail("ready");
    const cookie = await signIn(email);
    const res = await client(`${cookie}; iw_lang=de`)("POST /api/employees", {
      body: hireBody({ name: "Mira" }),
    });
    const id = res.employee.id;
    await waitForEmployee(cookie, id, (e) => e.status === "running");
    await expect.poll(() => readyMails(email)).toHaveLength(1);
    const [mail] = await readyMails(email);
    expect(mail?.subject).toBe("Mira ist bereit");
    expect(mail?.link).toBe(`${ORIGIN}/employees/${id}`);

    const api = client(cookie);
    await api("POST /api/employees/:id/restart", { params: { id } });
    await waitForEmployee(
      cookie,
      id,
      (e) => e.status === "running" && agent.count("container.restart", id) === 1,
    );
    await api("POST /api/employees/:id/stop", { params: { id } });
    await waitForEmployee(cookie, id, (e) => e.status === "stopped");
    await api("POST /api/employees/:id/provision", { params: { id } });
    await waitForEmployee(cookie, id, (e) => e.status === "running");
    expect(await readyMails(email)).toHaveLength(1);
    agent.close();
  });

  it("is in English when the app did not say the person's language", async () => {
    const node = await createNode();
    const agent = await AnsweringAgent.connect(node.token);
    const email = uniqueEmail("ready-en");
    const cookie = await signIn(email);
    const res = await client(`${cookie}; iw_lang=xx`)("POST /api/employees", {
      body: hireBody({ name: "Noor" }),
    });
    await waitForEmployee(cookie, res.employee.id, (e) => e.status === "running");
    await expect
      .poll(async () => (await readyMails(email)).map((m) => m.subject))
      .toEqual(["Noor is ready"]);
    agent.close();
  });
});
