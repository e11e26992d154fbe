import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportCard, WorkEntryView } from "../contract/ledger.ts";
import { parseConfig } from "../env.ts";
import worker from "../index.ts";
import { createLogger } from "../log/logger.ts";
import { createDeps } from "../services/deps.ts";
import { weekAt } from "../services/iso-week.ts";
import { sendWeeklyReports } from "../services/weekly-report.ts";
import { api, auditOf, errorOf, hire, mailbox, removeAllEmployees } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";
import { entryAt, ledger } from "./trust-helpers.ts";

// The weekly report card (issue 18): the ledger's sums over an ISO week in the account's time
// zone, per employee and for the team, with the minutes saved; and the Monday email.

let team: Team;

beforeAll(async () => {
  team = await buildTeam("report");
  await setPlan(team.accountId, "business");
});
afterAll(removeAllEmployees);

async function report(path: string, cookie = team.member.cookie): Promise<ReportCard> {
  const res = await api(path, { cookie });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { report: ReportCard }).report;
}

const setZone = (timeZone: unknown, cookie = team.owner.cookie) =>
  api("/api/account", { method: "PATCH", cookie, json: { timeZone } });

describe("the account's time zone", () => {
  it("the owner sets it (audited); others may not; an unknown zone is 400", async () => {
    const res = await setZone("America/New_York");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { account: { timeZone: string } }).account.timeZone).toBe(
      "America/New_York",
    );
    expect((await auditOf(team.accountId, "account.time_zone")).at(-1)?.detail).toEqual({
      from: "UTC",
      to: "America/New_York",
    });
    expect((await errorOf(await setZone("Europe/Berlin", team.admin.cookie))).code).toBe(
      "forbidden_role",
    );
    expect((await setZone("Atlantis/Capital")).status).toBe(400);
    expect((await setZone(42)).status).toBe(400);
  });
});

describe("the report card", () => {
  it("counts the week from Monday 00:00 to Monday 00:00 in the account's zone (across DST)", async () => {
    expect((await setZone("America/New_York")).status).toBe(200);
    const id = (await hire(team.owner.cookie, { name: "Edges" })).id;
    // 2026-W10 in New York: Monday 2 March 00:00 EST to Monday 9 March 00:00 EDT (DST began 8 March).
    const from = Date.parse("2026-03-02T05:00:00.000Z");
    const to = Date.parse("2026-03-09T04:00:00.000Z");
    for (const at of [from - 1, from, to - 1, to])
      await entryAt(team.accountId, id, { startedAt: at, kind: "heartbeat" });
    const card = await report(`/api/employees/${id}/report?week=2026-W10`);
    expect(card).toMatchObject({
      week: "2026-W10",
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      timeZone: "America/New_York",
    });
    expect(card.totals.work.heartbeat).toBe(2);
    // Tokyo's week ends 13 hours earlier: the last two moments are in its next week.
    expect((await setZone("Asia/Tokyo")).status).toBe(200);
    const tokyo = await report(`/api/employees/${id}/report?week=2026-W10`);
    expect(tokyo.from).toBe("2026-03-01T15:00:00.000Z");
    expect(tokyo.to).toBe("2026-03-08T15:00:00.000Z");
    expect(tokyo.totals.work.heartbeat).toBe(2);
    const next = await report(`/api/employees/${id}/report?week=2026-W11`);
    expect(next.totals.work.heartbeat).toBe(2);
    expect((await setZone("UTC")).status).toBe(200);
  });

  it("adds up to the ledger of the same week, per employee and for the team", async () => {
    expect((await setZone("Europe/Berlin")).status).toBe(200);
    const ada = (await hire(team.owner.cookie, { name: "Ada" })).id; // executive-assistant
    const bob = (await hire(team.owner.cookie, { name: "Bob", role: "sales" })).id;
    await env.DB.prepare("UPDATE employees SET minutes_saved = ? WHERE id = ?")
      .bind(JSON.stringify({ chat: 30, channel: 20, schedule: 60, heartbeat: 0 }), bob)
      .run();
    const monday = Date.parse("2026-04-05T22:00:00.000Z"); // 2026-W15 starts 6 April, Berlin
    const kinds = ["chat", "channel", "schedule", "heartbeat"] as const;
    const outcomes = ["done", "done", "failed", "aborted", "denied", "skipped"] as const;
    let n = 0;
    for (const id of [ada, bob])
      for (let i = 0; i < 18; i++, n++)
        await entryAt(team.accountId, id, {
          startedAt: monday + i * 3_600_000 * 9 + n,
          kind: kinds[i % 4],
          outcome: outcomes[i % 6],
          promptTokens: 100 + i * 7,
          completionTokens: 30 + i,
          costMicroEur: 1_234 * (i + 1),
          approvals: i % 3,
          approvalsDenied: i % 3 === 2 ? 1 : 0,
        });
    const sums = (entries: WorkEntryView[], minutes: Record<string, number>) => ({
      pieces: entries.length,
      promptTokens: entries.reduce((a, e) => a + e.promptTokens, 0),
      completionTokens: entries.reduce((a, e) => a + e.completionTokens, 0),
      costCents: entries.reduce((a, e) => a + e.costCents, 0),
      approvals: entries.reduce((a, e) => a + e.approvals, 0),
      denied: entries.reduce((a, e) => a + e.approvalsDenied, 0),
      done: entries.filter((e) => e.outcome === "done").length,
      minutes: entries
        .filter((e) => e.outcome === "done")
        .reduce((a, e) => a + (minutes[e.kind] ?? 0), 0),
    });
    const team_ = await report("/api/report?week=2026-W15");
    const week = { from: team_.from, to: team_.to, limit: "500" };
    expect(team_.from).toBe(new Date(monday).toISOString());
    const totals = { pieces: 0, promptTokens: 0, costCents: 0, minutes: 0 };
    for (const id of [ada, bob]) {
      const card = await report(`/api/employees/${id}/report?week=2026-W15`);
      const [mine] = card.employees;
      if (!mine) throw new Error("no figures");
      const expected = sums(await ledger(team.member.cookie, id, week), mine.minutesPerTask);
      expect(expected.pieces).toBe(18);
      const f = card.totals;
      expect(Object.values(f.work).reduce((a, b) => a + b, 0)).toBe(expected.pieces);
      expect(Object.values(f.outcomes).reduce((a, b) => a + b, 0)).toBe(expected.pieces);
      expect(f.outcomes.done).toBe(expected.done);
      expect(f.promptTokens).toBe(expected.promptTokens);
      expect(f.completionTokens).toBe(expected.completionTokens);
      expect(f.costCents).toBeCloseTo(expected.costCents, 6);
      expect(f.approvalsRequested).toBe(expected.approvals);
      expect(f.approvalsDenied).toBe(expected.denied);
      expect(f.approvalsAllowed).toBe(expected.approvals - expected.denied);
      expect(f.minutesSaved).toBe(expected.minutes);
      // The team's card shows the same figures for this employee.
      expect(team_.employees.find((e) => e.employeeId === id)).toMatchObject({
        promptTokens: f.promptTokens,
        minutesSaved: f.minutesSaved,
      });
      totals.pieces += expected.pieces;
      totals.promptTokens += expected.promptTokens;
      totals.costCents += expected.costCents;
      totals.minutes += expected.minutes;
    }
    // Bob's own minutes; Ada's are her role's defaults.
    expect(team_.employees.find((e) => e.employeeId === bob)?.minutesPerTask.chat).toBe(30);
    expect(team_.employees.find((e) => e.employeeId === ada)?.minutesPerTask).toEqual({
      chat: 5,
      channel: 5,
      schedule: 15,
      heartbeat: 2,
    });
    expect(team_.totals.promptTokens).toBe(totals.promptTokens);
    expect(team_.totals.costCents).toBeCloseTo(totals.costCents, 6);
    expect(team_.totals.minutesSaved).toBe(totals.minutes);
    expect(Object.values(team_.totals.work).reduce((a, b) => a + b, 0)).toBe(totals.pieces);
  });

  it("is this week's by default; a week that does not exist is 400; a stranger gets 404", async () => {
    const card = await report("/api/report");
    expect(card.week).toBe(weekAt(Date.now(), card.timeZone));
    expect(Date.parse(card.from)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(card.to)).toBeGreaterThan(Date.now());
    expect((await api("/api/report?week=2027-W53", { cookie: team.member.cookie })).status).toBe(
      400,
    );
    expect((await api("/api/report?week=2026-W53", { cookie: team.member.cookie })).status).toBe(
      200,
    );
    expect((await api("/api/report?week=2026-49", { cookie: team.member.cookie })).status).toBe(
      400,
    );
    const id = (await hire(team.owner.cookie, { name: "Private" })).id;
    expect(
      (await api(`/api/employees/${id}/report`, { cookie: team.stranger.cookie })).status,
    ).toBe(404);
  });
});

describe("the Monday email", () => {
  const deps = () => createDeps(env, parseConfig(env), createLogger({ test: "weekly-report" }));
  // Monday 9 March 2026 (2026-W11) in Tokyo: 08:00 there is 23:00 UTC on Sunday.
  const mondayEight = Date.parse("2026-03-08T23:00:00.000Z");
  const reportsTo = async (email: string) =>
    (await mailbox(email)).filter((m) => m.subject.includes("report card"));

  it("goes to the owner and admins from 08:00 on Monday in the account's zone, once a week", async () => {
    const weekly = await buildTeam("weekly");
    await setPlan(weekly.accountId, "business");
    await hire(weekly.owner.cookie, { name: "Reporter" });
    expect((await setZone("Asia/Tokyo", weekly.owner.cookie)).status).toBe(200);

    await sendWeeklyReports(deps(), mondayEight - 60_000); // 07:59
    expect(await reportsTo(weekly.owner.email)).toHaveLength(0);

    // Two crons at once (and the real scheduled handler): one email each.
    const ctx = createExecutionContext();
    await Promise.all([
      sendWeeklyReports(deps(), mondayEight),
      sendWeeklyReports(deps(), mondayEight + 1),
      worker.scheduled(
        createScheduledController({ cron: "*/5 * * * *", scheduledTime: mondayEight + 2 }),
        env,
        ctx,
      ),
    ]);
    await waitOnExecutionContext(ctx);
    const [mail] = await reportsTo(weekly.owner.email);
    expect(await reportsTo(weekly.owner.email)).toHaveLength(1);
    expect(await reportsTo(weekly.admin.email)).toHaveLength(1);
    expect(await reportsTo(weekly.member.email)).toHaveLength(0);
    expect(mail?.subject).toContain("2026-W10");
    expect(mail?.text).toContain("Reporter:");
    expect(mail?.link).toBe("http://localhost:8787/report?week=2026-W10");

    await sendWeeklyReports(deps(), mondayEight + 3_600_000); // 09:00, same Monday
    await sendWeeklyReports(deps(), mondayEight + 2 * 86_400_000); // Wednesday
    expect(await reportsTo(weekly.owner.email)).toHaveLength(1);
    await sendWeeklyReports(deps(), mondayEight + 7 * 86_400_000); // the next Monday
    const subjects = (await reportsTo(weekly.owner.email)).map((m) => m.subject);
    expect(subjects.filter((s) => s.includes("2026-W11"))).toHaveLength(1);
  });
});
