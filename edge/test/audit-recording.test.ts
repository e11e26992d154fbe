import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { api, auditOf, hire, removeAllEmployees } from "./helpers.ts";
import { buildTeam, type Person, setPlan, UPLOAD_IP, uploadAs } from "./team-fixture.ts";

// Every change to an account is in its audit log with who, from where and what; refused and
// failed requests leave no trace. (GET /api/audit reads the log; here the rows are read in D1.)

afterEach(removeAllEmployees);

const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AuditTest/1.0";

const as = (who: Person, path: string, init: { method?: string; json?: unknown; ip?: string }) =>
  api(path, { ...init, cookie: who.cookie, headers: { "user-agent": USER_AGENT } });

describe("the audit log records each change", () => {
  it("employees: hire, update, stop, provision, restart, fire, with actor, IP and user agent", async () => {
    const team = await buildTeam("audit-emp");
    await setPlan(team.accountId, "business");
    const hired = await as(team.admin, "/api/employees", {
      method: "POST",
      ip: "2001:db8::beef",
      json: { name: "Ada", role: "researcher", tone: "friendly", skills: [] },
    });
    expect(hired.status).toBe(201);
    const { id } = ((await hired.json()) as { employee: { id: string } }).employee;
    const [hire] = await auditOf(team.accountId, "employee.hire");
    expect(hire).toEqual({
      action: "employee.hire",
      actorUserId: team.admin.userId,
      actorEmail: team.admin.email,
      targetType: "employee",
      targetId: id,
      detail: { name: "Ada", role: "researcher" },
      ip: "2001:db8::beef",
      userAgent: USER_AGENT,
    });

    const steps: [string, string, unknown?][] = [
      ["PATCH", `/api/employees/${id}`, { tone: "concise" }],
      ["POST", `/api/employees/${id}/stop`],
      ["POST", `/api/employees/${id}/provision`],
      ["POST", `/api/employees/${id}/restart`], // provisioning: 409, not recorded
      ["DELETE", `/api/employees/${id}`],
    ];
    const statuses: number[] = [];
    for (const [method, path, json] of steps)
      statuses.push((await as(team.owner, path, { method, json })).status);
    expect(statuses).toEqual([200, 202, 202, 409, 202]);
    const log = await auditOf(team.accountId);
    expect(log.map((e) => [e.action, e.actorEmail, e.targetId])).toEqual([
      ["employee.hire", team.admin.email, id],
      ["employee.update", team.owner.email, id],
      ["employee.stop", team.owner.email, id],
      ["employee.provision", team.owner.email, id],
      ["employee.fire", team.owner.email, id],
    ]);
    expect(log[1]?.detail).toEqual({ tone: "concise" });
    expect(log[4]?.detail).toEqual({ name: "Ada" });
  });

  it("a member's refused change leaves no event and changes nothing", async () => {
    const team = await buildTeam("audit-refused");
    const e = await hire(team.owner.cookie);
    const before = await auditOf(team.accountId);
    for (const [method, path, json] of [
      ["DELETE", `/api/employees/${e.id}`],
      ["PATCH", `/api/employees/${e.id}`, { name: "Mine" }],
      ["POST", `/api/employees/${e.id}/stop`],
      ["POST", "/api/employees", { name: "Bo", role: "researcher", tone: "friendly", skills: [] }],
    ] as [string, string, unknown?][]) {
      const res = await as(team.member, path, { method, json });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 403`);
    }
    expect(await auditOf(team.accountId)).toEqual(before);
    expect((await as(team.owner, `/api/employees/${e.id}`, {})).status).toBe(200);
  });

  it("chat and browser access: an opening per person, employee and view; refreshes are not", async () => {
    const team = await buildTeam("audit-access");
    const e = await hire(team.owner.cookie);
    await env.DB.prepare("UPDATE employees SET status = 'running' WHERE id = ?").bind(e.id).run();
    const open = (who: Person, service?: string) =>
      as(who, `/api/employees/${e.id}/access${service ? `?service=${service}` : ""}`, {
        method: "POST",
      });
    expect((await open(team.member, "chat")).status).toBe(200);
    expect((await open(team.member, "chat")).status).toBe(200); // the app refreshing
    expect((await open(team.member, "browser")).status).toBe(200);
    expect((await open(team.admin, "chat")).status).toBe(200);
    expect((await open(team.owner)).status).toBe(200);
    const bad = await open(team.member, "files");
    expect(bad.status).toBe(400);
    const log = await auditOf(team.accountId, "employee.access");
    expect(log.map((x) => [x.actorEmail, x.targetId, x.detail?.service])).toEqual([
      [team.member.email, e.id, "chat"],
      [team.member.email, e.id, "browser"],
      [team.admin.email, e.id, "chat"],
      [team.owner.email, e.id, "both"],
    ]);
  });

  it("knowledge: uploads and deletions, the team's and an employee's", async () => {
    const team = await buildTeam("audit-knowledge");
    const e = await hire(team.owner.cookie);
    const teamUp = await uploadAs(team.admin, "/api/knowledge", "handbook.md");
    expect(teamUp.status).toBe(201);
    const [file] = ((await teamUp.json()) as { files: { id: string }[] }).files;
    expect(
      (await uploadAs(team.owner, `/api/employees/${e.id}/knowledge`, "notes.txt")).status,
    ).toBe(201);
    expect((await uploadAs(team.member, "/api/knowledge", "mine.txt")).status).toBe(403);
    expect((await as(team.member, `/api/knowledge/${file?.id}`, { method: "DELETE" })).status).toBe(
      403,
    );
    expect((await as(team.admin, `/api/knowledge/${file?.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    const log = await auditOf(team.accountId);
    const knowledge = log.filter((x) => x.action.startsWith("knowledge."));
    expect(knowledge.map((x) => [x.action, x.actorEmail, x.targetType, x.targetId])).toEqual([
      ["knowledge.upload", team.admin.email, "knowledge", "team"],
      ["knowledge.upload", team.owner.email, "employee", e.id],
      ["knowledge.delete", team.admin.email, "knowledge", "team"],
    ]);
    expect(knowledge[0]?.detail).toMatchObject({
      files: [{ id: file?.id, name: "handbook.md", size: 9 }],
      replaced: 0,
    });
    expect(knowledge[0]?.ip).toBe(UPLOAD_IP);
    expect(knowledge[2]?.detail).toEqual({ file: { id: file?.id, name: "handbook.md" } });
  });
});
