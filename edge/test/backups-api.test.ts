// The backups API (issue 16) around the EmployeeDO: who may list, take and restore (404 for
// another account, 403 forbidden_role for a member taking or restoring, 401 signed out), which
// backup ids name anything (another employee's, a deleted one or a malformed id are 404), the
// list's shape and order, and the cron's choice of employees due a scheduled backup.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { BackupList } from "../contract/backup.ts";
import { parseConfig } from "../env.ts";
import { createLogger } from "../log/logger.ts";
import { SNAPSHOT_INTERVAL_MS } from "../protocol/snapshot-timeouts.ts";
import { dueForBackup, SCHEDULED_BACKUPS_PER_RUN } from "../services/backups.ts";
import { createDeps } from "../services/deps.ts";
import { api, errorOf, hire } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";

let team: Team;
let employeeId: string;
let otherEmployeeId: string;
const rows: Record<string, string> = {};

async function snapshot(
  employee: string,
  kind: string,
  status: string,
  createdAt: number,
): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO snapshots (id, account_id, employee_id, kind, status, created_at, completed_at, logical_bytes, stored_bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      team.accountId,
      employee,
      kind,
      status,
      createdAt,
      status === "pending" ? null : createdAt + 1000,
      4096,
      1024,
    )
    .run();
  return id;
}

beforeAll(async () => {
  team = await buildTeam("backups");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: "Kept" })).id;
  otherEmployeeId = (await hire(team.owner.cookie, { name: "Other" })).id;
  const t = Date.now() - 3_600_000;
  rows.old = await snapshot(employeeId, "scheduled", "complete", t);
  rows.manual = await snapshot(employeeId, "manual", "complete", t + 60_000);
  rows.deleted = await snapshot(employeeId, "scheduled", "deleted", t + 120_000);
  rows.pending = await snapshot(employeeId, "manual", "pending", t + 180_000);
  rows.others = await snapshot(otherEmployeeId, "manual", "complete", t);
});

const url = (id: string, rest = "") => `/api/employees/${id}/backups${rest}`;

describe("GET /api/employees/:id/backups", () => {
  it("lists the employee's restore points, newest first, without deleted ones", async () => {
    const res = await api(url(employeeId), { cookie: team.member.cookie });
    expect(res.status).toBe(200);
    const { backups } = z.parse(BackupList, await res.json());
    expect(backups.map((b) => b.id)).toEqual([rows.pending, rows.manual, rows.old]);
    expect(backups[1]).toMatchObject({
      reason: "manual",
      status: "complete",
      sizeBytes: 4096,
      storedBytes: 1024,
      error: null,
      progress: null,
    });
  });

  it("is 404 for another account, 401 signed out, 404 for a malformed id", async () => {
    const stranger = await api(url(employeeId), { cookie: team.stranger.cookie });
    expect(stranger.status).toBe(404);
    expect(await errorOf(stranger)).toMatchObject({ code: "not_found" });
    expect((await api(url(employeeId))).status).toBe(401);
    expect((await api(url("not-a-uuid"), { cookie: team.owner.cookie })).status).toBe(404);
  });
});

describe("POST /api/employees/:id/backups", () => {
  it("is 403 forbidden_role for a member, 404 for another account", async () => {
    const member = await api(url(employeeId), { method: "POST", cookie: team.member.cookie });
    expect(member.status).toBe(403);
    expect(await errorOf(member)).toMatchObject({ code: "forbidden_role" });
    const stranger = await api(url(employeeId), { method: "POST", cookie: team.stranger.cookie });
    expect(stranger.status).toBe(404);
  });
});

describe("POST /api/employees/:id/backups/:backupId/restore", () => {
  const restore = (id: string, backupId: string, cookie: string) =>
    api(url(id, `/${backupId}/restore`), { method: "POST", cookie });

  it("is 404 for a backup of another employee, a deleted one, an unknown or malformed id", async () => {
    for (const backupId of [rows.others, rows.deleted, crypto.randomUUID(), "nope"]) {
      const res = await restore(employeeId, backupId ?? "", team.owner.cookie);
      expect(res.status, String(backupId)).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: "not_found" });
    }
  });

  it("is 403 forbidden_role for a member and 404 for a stranger, before the backup is looked at", async () => {
    const member = await restore(employeeId, rows.manual ?? "", team.member.cookie);
    expect(member.status).toBe(403);
    expect(await errorOf(member)).toMatchObject({ code: "forbidden_role" });
    const stranger = await restore(employeeId, rows.manual ?? "", team.stranger.cookie);
    expect(stranger.status).toBe(404);
  });
});

describe("the cron's scheduled backups", () => {
  it("picks running employees without a snapshot row within SNAPSHOT_INTERVAL_MS", async () => {
    const deps = createDeps(env, parseConfig(env), createLogger({ test: "backups" }));
    const now = Date.now();
    const mark = (id: string, status: string, last: number | null) =>
      env.DB.prepare("UPDATE employees SET status = ?, last_snapshot_at = ? WHERE id = ?")
        .bind(status, last, id)
        .run();
    // Its last backup completed long ago, but a pending one was opened 45 minutes ago: due.
    await mark(employeeId, "running", now - 2 * SNAPSHOT_INTERVAL_MS);
    await mark(otherEmployeeId, "running", null);
    let due = await dueForBackup(deps, now);
    expect(due).toEqual(expect.arrayContaining([employeeId, otherEmployeeId]));
    // The never-backed-up employee waits longest: first.
    expect(due.indexOf(otherEmployeeId)).toBeLessThan(due.indexOf(employeeId));

    // A row opened within the interval (a pending or skipped attempt) holds the next one back.
    await snapshot(employeeId, "scheduled", "pending", now - SNAPSHOT_INTERVAL_MS / 3);
    // A backup completed within the interval too.
    await mark(otherEmployeeId, "running", now - SNAPSHOT_INTERVAL_MS / 2);
    due = await dueForBackup(deps, now);
    expect(due).not.toContain(employeeId);
    expect(due).not.toContain(otherEmployeeId);

    // Only running employees: a stopped one changes nothing.
    await mark(otherEmployeeId, "stopped", null);
    expect(await dueForBackup(deps, now)).not.toContain(otherEmployeeId);
    expect(SCHEDULED_BACKUPS_PER_RUN).toBeLessThanOrEqual(100);
  });
});
