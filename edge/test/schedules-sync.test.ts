import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { employeeStub } from "../objects/stubs.ts";
import { runningEmployee } from "./chat-helpers.ts";
import { accountOf, api, removeAllEmployees, waitForEmployee } from "./helpers.ts";
import { runCronAt } from "./lifecycle-helpers.ts";
import { createTask, schedulesPath, usageAt } from "./trust-helpers.ts";

// The employee's scheduled work reaches its agent whole (schedules.sync, issue 18): on every
// start, after every change, with its working hours, and paused while its own budget is spent.

afterEach(removeAllEmployees);

describe("schedules.sync", () => {
  it("is sent when the employee starts, after each change, and again after a restart", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("sync-start");
    const first = await agent.next("schedules.sync");
    expect(first).toMatchObject({ employeeId, tasks: [], workingHours: null, paused: false });

    const made = await createTask(cookie, employeeId, { cron: "*/10 * * * * *", timeZone: "UTC" });
    const afterCreate = await agent.next("schedules.sync");
    expect(afterCreate.tasks).toEqual([
      {
        id: made.id,
        title: "Morning brief",
        cron: "*/10 * * * * *",
        timeZone: "UTC",
        prompt: "Summarise yesterday's email.",
        enabled: true,
      },
    ]);

    const off = await api(schedulesPath(employeeId, `/${made.id}`), {
      method: "PATCH",
      cookie,
      json: { enabled: false },
    });
    expect(off.status).toBe(200);
    expect((await agent.next("schedules.sync")).tasks[0]?.enabled).toBe(false);

    expect(
      (await api(`/api/employees/${employeeId}/restart`, { method: "POST", cookie })).status,
    ).toBe(202);
    const restart = await agent.next("container.restart");
    // Not running meanwhile: nothing is sent until it runs again.
    expect(agent.received.some((f) => f.type === "schedules.sync")).toBe(false);
    agent.send({
      type: "result",
      id: restart.id,
      ok: true,
      data: { employeeId, containerId: "c-restarted", state: "running" },
    });
    await waitForEmployee(cookie, employeeId, (e) => e.status === "running");
    expect((await agent.next("schedules.sync")).tasks.map((t) => t.id)).toEqual([made.id]);

    const del = await api(schedulesPath(employeeId, `/${made.id}`), { method: "DELETE", cookie });
    expect(del.status).toBe(204);
    expect((await agent.next("schedules.sync")).tasks).toEqual([]);
  });

  it("carries the working hours, and pauses everything while the employee's budget is spent", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("sync-budget");
    await agent.next("schedules.sync");
    const hours = {
      days: [1, 2, 3, 4, 5],
      start: "09:00",
      end: "17:00",
      timeZone: "Europe/Berlin",
    };
    // A budget of its own, then new working hours: each sends the whole schedule again at once.
    const patch = (json: Record<string, unknown>) =>
      api(`/api/employees/${employeeId}`, { method: "PATCH", cookie, json });
    expect((await patch({ budgetCents: 100 })).status).toBe(200);
    expect(await agent.next("schedules.sync")).toMatchObject({ workingHours: null, paused: false });
    expect((await patch({ workingHours: hours })).status).toBe(200);
    expect(await agent.next("schedules.sync")).toMatchObject({
      workingHours: hours,
      paused: false,
    });

    // €1.00 spent of €1.00: the budget's notice pauses everything.
    await usageAt(await accountOf(cookie), employeeId, Date.now(), {
      prompt: 1000,
      completion: 1000,
      microEur: 1_000_000,
    });
    const month = new Date().toISOString().slice(0, 7);
    await employeeStub(env, employeeId).budgetChanged(
      { limitCents: 100, spentCents: 100, state: "spent" },
      month,
    );
    expect((await agent.next("schedules.sync")).paused).toBe(true);

    // The owner's raise resumes them.
    expect((await patch({ budgetCents: 10_000 })).status).toBe(200);
    const resumed = await agent.next("schedules.sync");
    expect(resumed).toMatchObject({ workingHours: hours, paused: false });
  });

  it("resumes at a new month an employee whose budget was spent the month before, once", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("sync-month");
    await agent.next("schedules.sync");
    const patch = await api(`/api/employees/${employeeId}`, {
      method: "PATCH",
      cookie,
      json: { budgetCents: 100 },
    });
    expect(patch.status).toBe(200);
    await agent.next("schedules.sync");
    // Spent in an earlier month (so nothing of this month's spend): the cron resumes it.
    await env.DB.prepare("UPDATE employees SET budget_notice = '2026-01:spent' WHERE id = ?")
      .bind(employeeId)
      .run();
    await runCronAt(Date.now());
    expect(await agent.next("schedules.sync")).toMatchObject({ paused: false });
    const row = await env.DB.prepare("SELECT budget_notice FROM employees WHERE id = ?")
      .bind(employeeId)
      .first<{ budget_notice: string | null }>();
    expect(row?.budget_notice).toBeNull();
    // Once: the next run finds nothing to resume.
    const before = agent.received.filter((f) => f.type === "schedules.sync").length;
    await runCronAt(Date.now());
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.received.filter((f) => f.type === "schedules.sync").length).toBe(before);
  });

  it("is not sent to an employee that does not run", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("sync-stopped");
    await agent.next("schedules.sync");
    expect(
      (await api(`/api/employees/${employeeId}/stop`, { method: "POST", cookie })).status,
    ).toBe(202);
    const stop = await agent.next("container.stop");
    agent.send({
      type: "result",
      id: stop.id,
      ok: true,
      data: { employeeId, containerId: null, state: "stopped" },
    });
    await waitForEmployee(cookie, employeeId, (e) => e.status === "stopped");
    expect(await employeeStub(env, employeeId).syncSchedules()).toEqual({
      sent: false,
      reason: "not_running",
    });
    expect(agent.received.some((f) => f.type === "schedules.sync")).toBe(false);
  });
});
