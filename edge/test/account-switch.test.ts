import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { AccountView } from "../contract/team.ts";
import { api, auditOf, client, errorOf, hire, removeAllEmployees, signIn } from "./helpers.ts";
import { actIn, buildTeam, join, person } from "./team-fixture.ts";

afterEach(removeAllEmployees);

const DAY = 86_400_000;

async function accounts(cookie: string): Promise<AccountView[]> {
  return (await client(cookie)("GET /api/accounts")).accounts;
}

const rename = (cookie: string, name: unknown) =>
  api("/api/account", { method: "PATCH", json: { name }, cookie });

describe("GET /api/accounts", () => {
  it("lists the person's own account after sign-up, owned and active", async () => {
    const p = await person("acc-new");
    expect(await accounts(p.cookie)).toEqual([
      {
        id: p.ownAccountId,
        name: p.email,
        role: "owner",
        active: true,
        deletionScheduledFor: null,
        timeZone: "UTC",
      },
    ]);
    expect((await api("/api/accounts")).status).toBe(401);
  });

  it("lists every account I belong to, mine first, with my role and when a deletion is due", async () => {
    const team = await buildTeam("acc-list");
    const requested = Date.parse("2026-03-01T10:00:00.000Z");
    await env.DB.prepare("UPDATE accounts SET deletion_requested_at = ? WHERE id = ?")
      .bind(requested, team.accountId)
      .run();
    const mine = await accounts(team.member.cookie);
    expect(mine.map((a) => [a.id, a.role, a.active])).toEqual([
      [team.member.ownAccountId, "owner", false],
      [team.accountId, "member", true],
    ]);
    expect(mine[1]?.deletionScheduledFor).toBe(new Date(requested + 7 * DAY).toISOString());
    expect(mine[0]?.deletionScheduledFor).toBeNull();
  });
});

describe("POST /api/accounts/:id/switch", () => {
  it("makes this session act in the account: its employees, its plan, my role there", async () => {
    const team = await buildTeam("acc-switch");
    const e = await hire(team.owner.cookie, { name: "Shared" });
    const me = await client(team.member.cookie)("GET /api/me");
    expect(me.account).toEqual({ id: team.accountId, name: team.owner.email, role: "member" });
    const listed = await client(team.member.cookie)("GET /api/employees");
    expect(listed.employees.map((x) => x.id)).toEqual([e.id]);

    // Back to their own account: the team's employee is out of sight again.
    const res = await api(`/api/accounts/${team.member.ownAccountId}/switch`, {
      method: "POST",
      cookie: team.member.cookie,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { account: AccountView }).account).toMatchObject({
      id: team.member.ownAccountId,
      role: "owner",
      active: true,
    });
    expect((await client(team.member.cookie)("GET /api/employees")).employees).toEqual([]);
    expect((await api(`/api/employees/${e.id}`, { cookie: team.member.cookie })).status).toBe(404);
  });

  it("switches only this session: the person's other sessions keep their account", async () => {
    const p = await person("acc-two-sessions");
    const other = await person("acc-team-owner");
    await join(other.ownAccountId, p, "admin");
    const second = await signIn(p.email);
    expect((await client(p.cookie)("GET /api/me")).account.id).toBe(other.ownAccountId);
    expect((await client(second)("GET /api/me")).account.id).toBe(p.ownAccountId);
  });

  it("is a 404 for an account I do not belong to, whether it exists or not", async () => {
    const team = await buildTeam("acc-404");
    for (const id of [team.accountId, crypto.randomUUID(), "x".repeat(65), "%00"]) {
      const res = await api(`/api/accounts/${id}/switch`, {
        method: "POST",
        cookie: team.stranger.cookie,
      });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    expect((await client(team.stranger.cookie)("GET /api/me")).account.id).toBe(
      team.stranger.ownAccountId,
    );
    expect((await api(`/api/accounts/${team.accountId}/switch`, { method: "POST" })).status).toBe(
      401,
    );
  });

  it("falls back to the person's own account once they no longer belong to the one switched to", async () => {
    const team = await buildTeam("acc-removed");
    await env.DB.prepare("DELETE FROM memberships WHERE account_id = ? AND user_id = ?")
      .bind(team.accountId, team.member.userId)
      .run();
    const me = await client(team.member.cookie)("GET /api/me");
    expect(me.account).toMatchObject({ id: team.member.ownAccountId, role: "owner" });
    await actIn(team.member.ownAccountId, team.member);
  });
});

describe("PATCH /api/account", () => {
  it("lets the owner rename the account, recorded in the audit log", async () => {
    const team = await buildTeam("acc-rename");
    const res = await rename(team.owner.cookie, "  Acme Support  ");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { account: AccountView }).account).toEqual({
      id: team.accountId,
      name: "Acme Support",
      role: "owner",
      active: true,
      deletionScheduledFor: null,
      timeZone: "UTC",
    });
    expect((await client(team.member.cookie)("GET /api/me")).account.name).toBe("Acme Support");
    const [event] = await auditOf(team.accountId, "account.rename");
    expect(event).toMatchObject({
      actorUserId: team.owner.userId,
      actorEmail: team.owner.email,
      targetType: "account",
      targetId: team.accountId,
      detail: { from: team.owner.email, to: "Acme Support" },
    });
  });

  it("is the owner's alone: admins and members get 403 forbidden_role and change nothing", async () => {
    const team = await buildTeam("acc-rename-role");
    for (const who of [team.admin, team.member]) {
      const res = await rename(who.cookie, "Taken over");
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden_role");
    }
    expect((await client(team.owner.cookie)("GET /api/me")).account.name).toBe(team.owner.email);
    expect(await auditOf(team.accountId, "account.rename")).toEqual([]);
  });

  it("refuses names that are empty, invisible, too long, or carry control or reordering characters", async () => {
    const { owner } = await buildTeam("acc-rename-bad");
    for (const name of [
      "",
      "   ",
      "\u200b\u200b",
      "a".repeat(81),
      "Acme\u0007",
      "Acme\u202Eevil",
      7,
    ]) {
      const res = await rename(owner.cookie, name);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_input");
    }
    const extra = await api("/api/account", {
      method: "PATCH",
      json: { name: "Fine", plan: "business" },
      cookie: owner.cookie,
    });
    expect(extra.status).toBe(400);
    expect((await client(owner.cookie)("GET /api/me")).account.name).toBe(owner.email);
  });
});
