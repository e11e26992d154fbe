import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "../../db/client.ts";
import type { MemberView } from "../contract/team.ts";
import { transferOwnership } from "../store/team.ts";
import { api, client, errorOf } from "./helpers.ts";
import { auditActions, dropEmployee, employeeOf, joined, person, roleIn } from "./team-helpers.ts";

const hired: string[] = [];
async function hire(accountId: string): Promise<string> {
  const id = await employeeOf(accountId);
  hired.push(id);
  return id;
}
afterEach(async () => {
  await Promise.all(hired.splice(0).map(dropEmployee));
});

const patch = (cookie: string, userId: string, role: string) =>
  api(`/api/team/members/${userId}`, { method: "PATCH", json: { role }, cookie });
const remove = (cookie: string, userId: string) =>
  api(`/api/team/members/${userId}`, { method: "DELETE", cookie });

async function expectForbidden(res: Response, message?: RegExp) {
  expect(res.status).toBe(403);
  const error = await errorOf(res);
  expect(error.code).toBe("forbidden_role");
  if (message) expect(error.message).toMatch(message);
}

describe("team members: list and roles", () => {
  it("any member sees the list: owner, admins, members, each with email and join time", async () => {
    const owner = await person("owner");
    const admin = await joined(owner, "admin");
    const member = await joined(owner, "member");
    const { members } = await client(member.cookie)("GET /api/team/members");
    expect(members.map((m: MemberView) => [m.userId, m.email, m.role])).toEqual([
      [owner.userId, owner.email, "owner"],
      [admin.userId, admin.email, "admin"],
      [member.userId, member.email, "member"],
    ]);
    for (const m of members) expect(Date.parse(m.joinedAt)).toBeGreaterThan(0);
    expect((await api("/api/team/members")).status).toBe(401);
  });

  it("only the owner grants or takes the admin role; admins and members change no one", async () => {
    const owner = await person("owner");
    const admin = await joined(owner, "admin");
    const other = await joined(owner, "admin", "other-admin");
    const member = await joined(owner, "member");
    await expectForbidden(await patch(member.cookie, admin.userId, "member"));
    await expectForbidden(await patch(admin.cookie, member.userId, "admin"), /owner/);
    await expectForbidden(await patch(admin.cookie, other.userId, "member"));
    await expectForbidden(await patch(admin.cookie, owner.userId, "admin"));
    await expectForbidden(await patch(admin.cookie, owner.userId, "owner"));
    expect(await roleIn(owner.accountId, member.userId)).toBe("member");

    const promoted = await patch(owner.cookie, member.userId, "admin");
    expect(promoted.status).toBe(200);
    expect(((await promoted.json()) as { member: MemberView }).member).toMatchObject({
      userId: member.userId,
      role: "admin",
    });
    expect((await patch(owner.cookie, other.userId, "member")).status).toBe(200);
    expect(await roleIn(owner.accountId, member.userId)).toBe("admin");
    expect(await roleIn(owner.accountId, other.userId)).toBe("member");
    // The owner's own role changes only by a transfer.
    await expectForbidden(await patch(owner.cookie, owner.userId, "admin"), /transfer/i);
    expect((await auditActions(owner.accountId)).filter((a) => a === "member.role")).toHaveLength(
      2,
    );
  });

  it("transfers ownership: the new owner is the only owner, the old one an admin", async () => {
    const owner = await person("owner");
    const admin = await joined(owner, "admin");
    const res = await patch(owner.cookie, admin.userId, "owner");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { member: MemberView }).member.role).toBe("owner");
    expect(await roleIn(owner.accountId, admin.userId)).toBe("owner");
    expect(await roleIn(owner.accountId, owner.userId)).toBe("admin");
    const owners = await env.DB.prepare(
      "SELECT count(*) AS n FROM memberships WHERE account_id = ? AND role = 'owner'",
    )
      .bind(owner.accountId)
      .first<{ n: number }>();
    expect(owners?.n).toBe(1);
    // The old owner, now an admin, cannot take it back; the new owner acts as the owner.
    await expectForbidden(await patch(owner.cookie, admin.userId, "admin"));
    await expectForbidden(await patch(owner.cookie, owner.userId, "owner"));
    expect((await client(admin.cookie)("GET /api/me")).account.role).toBe("owner");
    expect(await auditActions(owner.accountId)).toContain("account.transfer");
  });

  // Against the real D1: each transfer is one batch whose statements repeat "still the owner".
  it("two transfers at once leave exactly one owner", async () => {
    const owner = await person("owner");
    const a = await joined(owner, "admin", "a");
    const b = await joined(owner, "member", "b");
    const db = openDb(env.DB);
    const results = await Promise.all(
      [a, b].map((to) =>
        transferOwnership(db, {
          accountId: owner.accountId,
          fromUserId: owner.userId,
          toUserId: to.userId,
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const roles = await Promise.all([owner, a, b].map((p) => roleIn(owner.accountId, p.userId)));
    expect(roles.filter((r) => r === "owner")).toHaveLength(1);
    expect(roles[0]).toBe("admin");
  });

  it("only the owner transfers, and only to a member of the team", async () => {
    const owner = await person("owner");
    const admin = await joined(owner, "admin");
    const member = await joined(owner, "member");
    await expectForbidden(await patch(admin.cookie, member.userId, "owner"));
    const stranger = await person("stranger");
    expect((await patch(owner.cookie, stranger.userId, "owner")).status).toBe(404);
    expect(await roleIn(owner.accountId, owner.userId)).toBe("owner");
  });
});

describe("team members: remove and leave", () => {
  it("removing a member ends their access to the team's employees and points their sessions home", async () => {
    const owner = await person("owner");
    const employeeId = await hire(owner.accountId);
    const member = await joined(owner, "member");
    const see = () => api(`/api/employees/${employeeId}`, { cookie: member.cookie });
    expect((await see()).status).toBe(200);

    const admin = await joined(owner, "admin");
    expect((await remove(admin.cookie, member.userId)).status).toBe(204);
    expect(await roleIn(owner.accountId, member.userId)).toBeNull();
    const active = await env.DB.prepare(
      "SELECT count(*) AS n FROM sessions WHERE user_id = ? AND active_account_id = ?",
    )
      .bind(member.userId, owner.accountId)
      .first<{ n: number }>();
    expect(active?.n).toBe(0);
    expect((await see()).status).toBe(404);
    const me = await client(member.cookie)("GET /api/me");
    expect(me.account.id).not.toBe(owner.accountId);
    expect(me.account.role).toBe("owner");
    expect((await remove(admin.cookie, member.userId)).status).toBe(404);
    expect(await auditActions(owner.accountId)).toContain("member.remove");
  });

  it("admins remove members only; the owner removes admins; nobody removes the owner", async () => {
    const owner = await person("owner");
    const admin = await joined(owner, "admin");
    const other = await joined(owner, "admin", "other-admin");
    const member = await joined(owner, "member");
    const member2 = await joined(owner, "member", "member2");
    await expectForbidden(await remove(member.cookie, member2.userId));
    await expectForbidden(await remove(admin.cookie, other.userId), /owner/);
    await expectForbidden(await remove(admin.cookie, owner.userId));
    expect((await remove(owner.cookie, other.userId)).status).toBe(204);
    expect(await roleIn(owner.accountId, other.userId)).toBeNull();
    expect(await roleIn(owner.accountId, member2.userId)).toBe("member");
  });

  it("anyone but the owner may leave; the owner must transfer first", async () => {
    const owner = await person("owner");
    const employeeId = await hire(owner.accountId);
    const member = await joined(owner, "member");
    await expectForbidden(await remove(owner.cookie, owner.userId), /transfer ownership/i);
    expect(await roleIn(owner.accountId, owner.userId)).toBe("owner");

    expect((await remove(member.cookie, member.userId)).status).toBe(204);
    expect(await roleIn(owner.accountId, member.userId)).toBeNull();
    expect((await api(`/api/employees/${employeeId}`, { cookie: member.cookie })).status).toBe(404);

    // After a transfer the old owner is an admin and may go.
    const admin = await joined(owner, "admin");
    expect((await patch(owner.cookie, admin.userId, "owner")).status).toBe(200);
    expect((await remove(owner.cookie, owner.userId)).status).toBe(204);
    expect(await roleIn(owner.accountId, owner.userId)).toBeNull();
    const actions = await auditActions(owner.accountId);
    expect(actions.filter((a) => a === "member.leave")).toHaveLength(2);
  });

  it("another team's member, an unknown or malformed id: 404", async () => {
    const owner = await person("owner");
    const stranger = await person("stranger");
    for (const id of [stranger.userId, crypto.randomUUID(), "not%20an%20id", "x".repeat(65)]) {
      expect((await remove(owner.cookie, id)).status).toBe(404);
      expect((await patch(owner.cookie, id, "member")).status).toBe(404);
    }
    expect(await roleIn(stranger.accountId, stranger.userId)).toBe("owner");
  });

  it("hostile bodies are 400 with fields", async () => {
    const owner = await person("owner");
    const member = await joined(owner, "member");
    for (const json of [{ role: "boss" }, {}, { role: "admin", userId: owner.userId }, []]) {
      const res = await api(`/api/team/members/${member.userId}`, {
        method: "PATCH",
        json,
        cookie: owner.cookie,
      });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_input");
      expect(error.fields).toBeTruthy();
    }
    expect(await roleIn(owner.accountId, member.userId)).toBe("member");
  });
});
