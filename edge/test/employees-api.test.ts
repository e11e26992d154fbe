import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../contract/employee.ts";
import {
  accountOf,
  api,
  client,
  errorOf,
  hire,
  hireBody,
  removeAllEmployees,
  signIn,
  uniqueEmail,
} from "./helpers.ts";

afterEach(removeAllEmployees);

describe("employees API: input, plan limit, ownership", () => {
  it.each([
    ["an empty name", { name: "  " }, "name"],
    ["a 41-character name", { name: "x".repeat(41) }, "name"],
    ["an unknown role", { role: "astronaut" }, "role"],
    ["an unknown tone", { tone: "grumpy" }, "tone"],
    ["an unknown skill", { skills: ["juggling"] }, "skills.0"],
    ["a repeated skill", { skills: ["calendar", "calendar"] }, "skills"],
    ["skills that are not a list", { skills: "calendar" }, "skills"],
    ["an unknown field", { salary: 1 }, "body"],
  ])("refuses %s with 400 and changes nothing", async (_what, over, field) => {
    const email = uniqueEmail("hire-bad");
    const cookie = await signIn(email);
    const res = await api("/api/employees", { method: "POST", json: hireBody(over), cookie });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_input");
    expect(Object.keys(error.fields ?? {}).join(" ")).toContain(field === "body" ? "" : field);
    const list = await api("/api/employees", { cookie });
    expect(((await list.json()) as { employees: unknown[] }).employees).toHaveLength(0);
  });

  it("needs a session", async () => {
    expect((await api("/api/employees")).status).toBe(401);
    expect((await api("/api/employees", { method: "POST", json: hireBody() })).status).toBe(401);
  });

  it("hires: 201, provisioning at once, listed for its owner only", async () => {
    const cookie = await signIn(uniqueEmail("hire"));
    const hired = await hire(cookie, { name: "  Ada Lovelace ", skills: [] });
    expect(hired).toMatchObject({
      name: "Ada Lovelace",
      role: "executive-assistant",
      tone: "friendly",
      skills: [],
      status: "provisioning",
    });
    expect(hired.step).toBeTruthy();
    const list = (await (await api("/api/employees", { cookie })).json()) as {
      employees: Employee[];
    };
    expect(list.employees.map((e) => e.id)).toEqual([hired.id]);
    const other = await signIn(uniqueEmail("other"));
    const theirs = (await (await api("/api/employees", { cookie: other })).json()) as {
      employees: Employee[];
    };
    expect(theirs.employees).toHaveLength(0);
    const me = (await (await api("/api/me", { cookie })).json()) as {
      usage: { employees: number };
    };
    expect(me.usage.employees).toBe(1);
  });

  it("enforces the plan's maxEmployees, also under concurrent hires", async () => {
    const cookie = await signIn(uniqueEmail("limit"));
    const results = await Promise.all(
      [1, 2, 3].map(() => api("/api/employees", { method: "POST", json: hireBody(), cookie })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 402, 402]);
    const refused = results.find((r) => r.status === 402);
    expect((await errorOf(refused as Response)).code).toBe("plan_limit_reached");
    const list = (await (await api("/api/employees", { cookie })).json()) as {
      employees: unknown[];
    };
    expect(list.employees).toHaveLength(1);
  });

  it("answers 402 trial_expired after the trial", async () => {
    const email = uniqueEmail("expired-trial");
    const cookie = await signIn(email);
    await env.DB.prepare("UPDATE accounts SET trial_ends_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, await accountOf(cookie))
      .run();
    const res = await api("/api/employees", { method: "POST", json: hireBody(), cookie });
    expect(res.status).toBe(402);
    expect((await errorOf(res)).code).toBe("trial_expired");
  });

  it("answers another account's employee with 404 on every route, exactly like a missing one", async () => {
    const owner = await signIn(uniqueEmail("owner"));
    const hired = await hire(owner);
    const intruder = await signIn(uniqueEmail("intruder"));
    const routes: [string, string, unknown?][] = [
      ["GET", `/api/employees/${hired.id}`],
      ["PATCH", `/api/employees/${hired.id}`, { name: "Mine" }],
      ["DELETE", `/api/employees/${hired.id}`],
      ["POST", `/api/employees/${hired.id}/provision`],
      ["POST", `/api/employees/${hired.id}/restart`],
      ["POST", `/api/employees/${hired.id}/stop`],
      ["GET", `/api/employees/${hired.id}/live`],
    ];
    for (const [method, path, json] of routes) {
      const theirs = await api(path, {
        method,
        json,
        cookie: intruder,
        headers: path.endsWith("/live") ? { upgrade: "websocket" } : {},
      });
      const missing = await api(path.replace(hired.id, crypto.randomUUID()), {
        method,
        json,
        cookie: intruder,
        headers: path.endsWith("/live") ? { upgrade: "websocket" } : {},
      });
      expect([method, path, theirs.status]).toEqual([method, path, 404]);
      expect(await errorOf(theirs)).toEqual(await errorOf(missing));
    }
    // …and nothing changed for the owner.
    const still = (await (await api(`/api/employees/${hired.id}`, { cookie: owner })).json()) as {
      employee: Employee;
    };
    expect(still.employee.name).toBe("Ada");
    expect((await api("/api/employees/not-a-uuid", { cookie: owner })).status).toBe(404);
  });

  it("updates name, tone and skills and validates them", async () => {
    const cookie = await signIn(uniqueEmail("patch"));
    const hired = await hire(cookie);
    const res = await api(`/api/employees/${hired.id}`, {
      method: "PATCH",
      json: { name: "Grace", tone: "concise" },
      cookie,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { employee: Employee }).employee).toMatchObject({
      name: "Grace",
      tone: "concise",
    });
    const bad = await api(`/api/employees/${hired.id}`, {
      method: "PATCH",
      json: { role: "sales" },
      cookie,
    });
    expect(bad.status).toBe(400);
    const empty = await api(`/api/employees/${hired.id}`, { method: "PATCH", json: {}, cookie });
    expect(empty.status).toBe(400);
  });

  it("refuses actions that make no sense in the current status with 409", async () => {
    const cookie = await signIn(uniqueEmail("409"));
    const hired = await hire(cookie); // provisioning, waiting for a server
    const res = await api(`/api/employees/${hired.id}/provision`, { method: "POST", cookie });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("invalid_state");
  });

  it("reads a step stored as its English sentence, from before step ids, as the step's id", async () => {
    const cookie = await signIn(uniqueEmail("old-step"));
    const hired = await hire(cookie);
    await env.DB.prepare("UPDATE employees SET step = ? WHERE id = ?")
      .bind("Waiting for a server with room", hired.id)
      .run();
    const { employee } = await client(cookie)("GET /api/employees/:id", {
      params: { id: hired.id },
    });
    expect(employee.step).toBe("waiting_for_server");
  });
});
