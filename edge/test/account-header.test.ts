import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { api, errorOf, hire, removeAllEmployees } from "./helpers.ts";
import { actIn, join, person, setPlan } from "./team-fixture.ts";

// Every tab of a session acts in the session's one active account. A page names the account it
// shows in X-Account-Id, and a request from a page showing another account than the active one
// (another tab switched) is refused before it changes anything (docs/api.md).

afterEach(removeAllEmployees);

async function employeeStatus(id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT status FROM employees WHERE id = ?")
    .bind(id)
    .first<{ status: string }>();
  return row?.status ?? null;
}

async function deletionRequested(accountId: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT deletion_requested_at AS at FROM accounts WHERE id = ?")
    .bind(accountId)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/** A person in two accounts: their own (1) and a team (2) they are an admin of, acting in 2. */
async function twoAccounts(tag: string) {
  const p = await person(`${tag}-p`);
  const teamOwner = await person(`${tag}-owner`);
  const team = teamOwner.ownAccountId;
  await setPlan(team, "business");
  await join(team, p, "admin");
  return { p, teamOwner, own: p.ownAccountId, team };
}

describe("X-Account-Id", () => {
  it("refuses a page showing another account with 409 account_changed, and changes nothing", async () => {
    const { p, teamOwner, own, team } = await twoAccounts("hdr-stale");
    const e = await hire(teamOwner.cookie, { name: "Kept" });
    const before = await employeeStatus(e.id);

    // Tab 1 still shows the person's own account; tab 2 switched the session to the team.
    const res = await api(`/api/employees/${e.id}`, {
      method: "DELETE",
      cookie: p.cookie,
      headers: { "X-Account-Id": own },
    });
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe("account_changed");
    expect(error.message).toMatch(/another team/);
    expect(await employeeStatus(e.id)).toBe(before);
    expect(before).not.toBe("removing");

    // The page that shows the team acts on it.
    const right = await api(`/api/employees/${e.id}`, {
      method: "DELETE",
      cookie: p.cookie,
      headers: { "X-Account-Id": team },
    });
    expect(right.status).toBe(202);
  });

  it("lets a request without the header act in the active account, as API clients do", async () => {
    const { p, teamOwner } = await twoAccounts("hdr-none");
    const e = await hire(teamOwner.cookie, { name: "Gone" });
    const res = await api(`/api/employees/${e.id}`, { method: "DELETE", cookie: p.cookie });
    expect(res.status).toBe(202);
  });

  it("never schedules the active account's deletion from a page showing another account", async () => {
    const { p, own, team } = await twoAccounts("hdr-delete");
    // The session is back in the person's own account (which they own); a tab still shows the team.
    await actIn(own, p);
    const res = await api("/api/account", {
      method: "DELETE",
      cookie: p.cookie,
      headers: { "X-Account-Id": team },
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("account_changed");
    expect(await deletionRequested(own)).toBeNull();
    expect(await deletionRequested(team)).toBeNull();
  });

  it("refuses a value that is not an id with 400 invalid_input", async () => {
    const { p } = await twoAccounts("hdr-bad");
    for (const bad of ["x".repeat(65), "a b", "../acc", "acc;1"]) {
      const res = await api("/api/me", { cookie: p.cookie, headers: { "X-Account-Id": bad } });
      expect(res.status, bad).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_input");
    }
  });

  it("does not check it on the switch, which is how a stale page leaves its account", async () => {
    const { p, own, team } = await twoAccounts("hdr-switch");
    const res = await api(`/api/accounts/${own}/switch`, {
      method: "POST",
      cookie: p.cookie,
      headers: { "X-Account-Id": own },
    });
    expect(res.status).toBe(200);
    // Now acting in the own account: a page showing the team is stale on reads too.
    const me = await api("/api/me", { cookie: p.cookie, headers: { "X-Account-Id": team } });
    expect(me.status).toBe(409);
    const fresh = await api("/api/me", { cookie: p.cookie, headers: { "X-Account-Id": own } });
    expect(fresh.status).toBe(200);
  });
});
