import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SCHEDULES, type ScheduleView } from "../contract/schedules.ts";
import { api, auditOf, errorOf, hire, removeAllEmployees } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";
import { createTask, schedulesPath, task, usageAt } from "./trust-helpers.ts";

// An employee's scheduled work over the API (issue 18): the cron expression as OpenClaw reads
// it, the least interval (the tests' server allows every 5 s), the limit, the roles and the
// account's walls.

let team: Team;
let employeeId: string;

beforeAll(async () => {
  team = await buildTeam("sched");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: "Planner" })).id;
});
afterAll(removeAllEmployees);

const post = (cookie: string, body: unknown, id = employeeId) =>
  api(schedulesPath(id), { method: "POST", cookie, json: body });
const patch = (cookie: string, scheduleId: string, body: unknown) =>
  api(schedulesPath(employeeId, `/${scheduleId}`), { method: "PATCH", cookie, json: body });
const list = async (cookie: string) => {
  const res = await api(schedulesPath(employeeId), { cookie });
  expect(res.status).toBe(200);
  return ((await res.json()) as { schedules: ScheduleView[] }).schedules;
};

const berlinClock = (iso: string) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Berlin",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));

describe("scheduled tasks", () => {
  it("an admin adds one: it fires next on a weekday at 09:00 Berlin time, and is audited", async () => {
    const made = await createTask(team.admin.cookie, employeeId);
    expect(made).toMatchObject({
      employeeId,
      title: "Morning brief",
      cron: "0 9 * * 1-5",
      timeZone: "Europe/Berlin",
      deliverTo: null,
      enabled: true,
      lastRun: null,
    });
    expect(made.nextRunAt).not.toBeNull();
    expect(Date.parse(made.nextRunAt ?? "")).toBeGreaterThan(Date.now());
    expect(berlinClock(made.nextRunAt ?? "")).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    expect((await list(team.member.cookie)).map((s) => s.id)).toContain(made.id);
    const [event] = (await auditOf(team.accountId, "schedule.create")).filter(
      (e) => e.targetId === made.id,
    );
    expect(event).toMatchObject({ actorUserId: team.admin.userId, targetType: "schedule" });
    expect(event?.detail).toMatchObject({ employeeId, cron: "0 9 * * 1-5" });
  });

  it("refuses what is no cron expression, or fires more often than the server allows", async () => {
    for (const cron of [
      "every morning",
      "61 9 * * *",
      "0 9 * * * * *",
      "* * * * * *",
      "*/2 * * * * *",
    ]) {
      const res = await post(team.owner.cookie, task({ cron }));
      expect(`${cron}: ${res.status}`).toBe(`${cron}: 400`);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_schedule");
      expect(error.fields?.cron).toBeTruthy();
    }
    // Every 10 s is allowed where the least interval is 5 s (the tests' server).
    expect((await post(team.owner.cookie, task({ cron: "*/10 * * * * *" }))).status).toBe(201);
  });

  it("refuses an unknown time zone, unknown fields and a channel the employee has not connected", async () => {
    const zone = await post(team.owner.cookie, task({ timeZone: "Mars/Olympus" }));
    expect(zone.status).toBe(400);
    expect((await errorOf(zone)).code).toBe("invalid_input");
    expect((await post(team.owner.cookie, task({ runAs: "root" }))).status).toBe(400);
    const telegram = await post(team.owner.cookie, task({ deliverTo: "telegram" }));
    expect(telegram.status).toBe(400);
    expect((await errorOf(telegram)).fields?.deliverTo).toMatch(/Connect telegram/);
  });

  it("delivers to a channel the employee has", async () => {
    // The email channel: every employee has its address once its channels are read.
    expect(
      (await api(`/api/employees/${employeeId}/channels`, { cookie: team.owner.cookie })).status,
    ).toBe(200);
    const made = await createTask(team.owner.cookie, employeeId, { deliverTo: "email" });
    expect(made.deliverTo).toBe("email");
  });

  it("changes one: disabled, it has no next run; a bad expression changes nothing", async () => {
    const made = await createTask(team.owner.cookie, employeeId);
    const off = await patch(team.admin.cookie, made.id, { enabled: false, title: "Paused brief" });
    expect(off.status).toBe(200);
    const changed = ((await off.json()) as { schedule: ScheduleView }).schedule;
    expect(changed).toMatchObject({ enabled: false, title: "Paused brief", nextRunAt: null });
    const bad = await patch(team.admin.cookie, made.id, { cron: "* * * * * *" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("invalid_schedule");
    expect((await list(team.owner.cookie)).find((s) => s.id === made.id)?.cron).toBe("0 9 * * 1-5");
    expect((await patch(team.admin.cookie, made.id, {})).status).toBe(400);
    const [event] = (await auditOf(team.accountId, "schedule.update")).filter(
      (e) => e.targetId === made.id,
    );
    expect(event?.detail).toMatchObject({ changed: ["title", "enabled"] });
  });

  it("removes one: gone from the list, a second removal is 404", async () => {
    const made = await createTask(team.owner.cookie, employeeId);
    const path = schedulesPath(employeeId, `/${made.id}`);
    expect((await api(path, { method: "DELETE", cookie: team.admin.cookie })).status).toBe(204);
    expect((await list(team.owner.cookie)).some((s) => s.id === made.id)).toBe(false);
    expect((await api(path, { method: "DELETE", cookie: team.admin.cookie })).status).toBe(404);
    expect(
      (await auditOf(team.accountId, "schedule.delete")).some((e) => e.targetId === made.id),
    ).toBe(true);
  });

  it("shows the last run from the ledger, and no next run while the employee's budget is spent", async () => {
    const other = (await hire(team.owner.cookie, { name: "Budgeted" })).id;
    const made = await createTask(team.owner.cookie, other);
    const at = Date.now() - 60_000;
    await env.DB.prepare(
      `INSERT INTO work_entries (id, account_id, employee_id, kind, title, schedule_id, run_key,
         started_at, ended_at, outcome, created_at) VALUES (?1, ?2, ?3, 'schedule', 'Morning brief', ?4, ?5, ?6, ?6, 'failed', ?6)`,
    )
      .bind(crypto.randomUUID(), team.accountId, other, made.id, crypto.randomUUID(), at)
      .run();
    await env.DB.prepare("UPDATE employees SET budget_cents = 1 WHERE id = ?").bind(other).run();
    await usageAt(team.accountId, other, Date.now(), {
      prompt: 10,
      completion: 10,
      microEur: 20_000,
    });
    const res = await api(schedulesPath(other), { cookie: team.member.cookie });
    const [shown] = ((await res.json()) as { schedules: ScheduleView[] }).schedules;
    expect(shown).toMatchObject({
      id: made.id,
      lastRun: { at: new Date(at).toISOString(), outcome: "failed" },
      nextRunAt: null,
    });
  });

  it(`keeps at most ${MAX_SCHEDULES} per employee: one more is 409 schedule_limit_reached`, async () => {
    const full = (await hire(team.owner.cookie, { name: "Busy" })).id;
    for (let i = 0; i < MAX_SCHEDULES; i++)
      await env.DB.prepare(
        `INSERT INTO schedules (id, account_id, employee_id, title, prompt, cron, time_zone, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'T', 'P', '0 9 * * *', 'UTC', ?4, ?4)`,
      )
        .bind(crypto.randomUUID(), team.accountId, full, Date.now() + i)
        .run();
    const res = await post(team.owner.cookie, task(), full);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("schedule_limit_reached");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM schedules WHERE employee_id = ?")
      .bind(full)
      .first<{ n: number }>();
    expect(count?.n).toBe(MAX_SCHEDULES);
  });

  it("members read but may not change; strangers and made-up ids get 404", async () => {
    const made = await createTask(team.owner.cookie, employeeId);
    const one = `/${made.id}`;
    expect((await post(team.member.cookie, task())).status).toBe(403);
    expect((await errorOf(await patch(team.member.cookie, made.id, { enabled: false }))).code).toBe(
      "forbidden_role",
    );
    const del = await api(schedulesPath(employeeId, one), {
      method: "DELETE",
      cookie: team.member.cookie,
    });
    expect(del.status).toBe(403);
    // The stranger names this account's employee and task.
    expect((await api(schedulesPath(employeeId), { cookie: team.stranger.cookie })).status).toBe(
      404,
    );
    expect((await post(team.stranger.cookie, task())).status).toBe(404);
    expect((await patch(team.stranger.cookie, made.id, { enabled: false })).status).toBe(404);
    const strangerDel = await api(schedulesPath(employeeId, one), {
      method: "DELETE",
      cookie: team.stranger.cookie,
    });
    expect(strangerDel.status).toBe(404);
    // A task of another employee, through this one's path; a made-up and a malformed id.
    const other = (await hire(team.owner.cookie, { name: "Other" })).id;
    const elsewhere = await createTask(team.owner.cookie, other);
    expect((await patch(team.owner.cookie, elsewhere.id, { enabled: false })).status).toBe(404);
    expect((await patch(team.owner.cookie, crypto.randomUUID(), { enabled: false })).status).toBe(
      404,
    );
    expect((await patch(team.owner.cookie, "nope", { enabled: false })).status).toBe(404);
    expect((await list(team.owner.cookie)).find((s) => s.id === made.id)?.enabled).toBe(true);
  });
});
