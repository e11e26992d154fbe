import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../db/client.ts";
import { hashToken } from "../auth/tokens.ts";
import type { AccountView, InvitationPreview } from "../contract/team.ts";
import { claimInvitation } from "../store/invitations.ts";
import { api, client, errorOf, mailbox, ORIGIN, signIn, uniqueEmail } from "./helpers.ts";
import {
  accept,
  auditActions,
  invitationMail,
  invite,
  joined,
  person,
  roleIn,
} from "./team-helpers.ts";

const preview = (token: string) => api(`/api/invitation?token=${encodeURIComponent(token)}`);

describe("invitations: invite, look, accept", () => {
  it("invites by email; the link's page shows it signed out; the invited person accepts and belongs to both teams", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("invitee");
    const { invite: sent } = await invite(owner.cookie, email.toUpperCase(), "admin");
    expect(sent).toMatchObject({ email, role: "admin", invitedBy: owner.email });
    const days = (Date.parse(sent.expiresAt) - Date.parse(sent.createdAt)) / 86_400_000;
    expect(days).toBe(7);

    const [mail] = await mailbox(email);
    const link = new URL(mail?.link ?? "");
    expect(`${link.origin}${link.pathname}`).toBe(`${ORIGIN}/invite`);
    // Who invited, to which team (an account is named after its owner until renamed).
    expect(mail?.subject).toBe(`${owner.email} invited you to ${owner.email} on InstantWorker`);
    const { token } = await invitationMail(email);
    expect(token).toMatch(/^[\w-]{40,}$/);
    // Only the token's hash is kept.
    const stored = await env.DB.prepare("SELECT token_hash FROM invitations WHERE id = ?")
      .bind(sent.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).toBe(hashToken(token));

    // Signed out, twice: it shows what it offers and spends nothing.
    for (let i = 0; i < 2; i++) {
      const look = await preview(token);
      expect(look.status).toBe(200);
      expect(look.headers.get("cache-control")).toMatch(/no-store/);
      expect((await look.json()) as InvitationPreview).toMatchObject({
        accountName: owner.email,
        email,
        role: "admin",
        invitedBy: owner.email,
      });
    }
    const listed = await client(owner.cookie)("GET /api/team/invites");
    expect(listed.invites.map((i) => i.id)).toEqual([sent.id]);

    // A new person: they sign in with the invited email (their own account is made), then accept.
    const cookie = await signIn(email);
    const own = (await client(cookie)("GET /api/me")).account;
    const res = await accept(cookie, token);
    expect(res.status).toBe(200);
    const { account } = (await res.json()) as { account: AccountView };
    expect(account).toMatchObject({
      id: owner.accountId,
      name: owner.email,
      role: "admin",
      active: true,
      deletionScheduledFor: null,
    });

    // This session now acts in the team; the person still owns their own account.
    const me = await client(cookie)("GET /api/me");
    expect(me.account).toMatchObject({ id: owner.accountId, role: "admin" });
    expect(await roleIn(own.id, me.user.id)).toBe("owner");
    expect(await roleIn(owner.accountId, me.user.id)).toBe("admin");
    const members = await client(owner.cookie)("GET /api/team/members");
    expect(members.members.map((m) => [m.email, m.role])).toEqual([
      [owner.email, "owner"],
      [email, "admin"],
    ]);
    expect((await client(owner.cookie)("GET /api/team/invites")).invites).toEqual([]);
    expect(await auditActions(owner.accountId)).toEqual(["member.invite", "member.join"]);
  });

  it("works once: a second accept and the page say link_used", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("once");
    const { token } = await invite(owner.cookie, email);
    const cookie = await signIn(email);
    expect((await accept(cookie, token)).status).toBe(200);
    const again = await accept(cookie, token);
    expect(again.status).toBe(410);
    expect((await errorOf(again)).code).toBe("link_used");
    const look = await preview(token);
    expect(look.status).toBe(410);
    expect((await errorOf(look)).code).toBe("link_used");
  });

  it("two accepts at once: exactly one joins", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("race");
    const { token } = await invite(owner.cookie, email);
    const [a, b] = [await signIn(email), await signIn(email)];
    const answers = await Promise.all([accept(a, token), accept(b, token)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([409, 410]).toContain(statuses[1]);
    const n = await env.DB.prepare(
      "SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? AND u.email = ?",
    )
      .bind(owner.accountId, email)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  // The requests above may well run one after the other; the claim itself must hold when they
  // do not. Against the real D1: one conditional UPDATE per claim, so exactly one wins.
  it("the claim is conditional: two claims of one link, one wins; revoked or expired ones none", async () => {
    const owner = await person("owner");
    const { token } = await invite(owner.cookie, uniqueEmail("claim"));
    const claimer = await person("claimer");
    const db = openDb(env.DB);
    const claim = () =>
      claimInvitation(db, { tokenHash: hashToken(token), userId: claimer.userId, now: Date.now() });
    const results = await Promise.all([claim(), claim()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claim()).toBeUndefined();
    expect(await roleIn(owner.accountId, claimer.userId)).toBe("member");

    for (const column of ["revoked_at", "expires_at"]) {
      const other = await invite(owner.cookie, uniqueEmail(column));
      await env.DB.prepare(`UPDATE invitations SET ${column} = ? WHERE id = ?`)
        .bind(Date.now() - 1, other.invite.id)
        .run();
      const got = await claimInvitation(db, {
        tokenHash: hashToken(other.token),
        userId: claimer.userId,
        now: Date.now(),
      });
      expect(got).toBeUndefined();
    }
  });

  it("expires after 7 days: the page and the accept say link_expired", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("late");
    const { invite: sent, token } = await invite(owner.cookie, email);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, sent.id)
      .run();
    const look = await preview(token);
    expect(look.status).toBe(410);
    expect((await errorOf(look)).code).toBe("link_expired");
    const res = await accept(await signIn(email), token);
    expect(res.status).toBe(410);
    expect((await errorOf(res)).code).toBe("link_expired");
    expect((await client(owner.cookie)("GET /api/team/invites")).invites).toEqual([]);
  });

  it("can be revoked: the link stops working (404 link_invalid), a second revoke is 404", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("revoked");
    const { invite: sent, token } = await invite(owner.cookie, email);
    const revoke = () =>
      api(`/api/team/invites/${sent.id}`, { method: "DELETE", cookie: owner.cookie });
    expect((await revoke()).status).toBe(204);
    const look = await preview(token);
    expect(look.status).toBe(404);
    expect((await errorOf(look)).code).toBe("link_invalid");
    const res = await accept(await signIn(email), token);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("link_invalid");
    expect((await revoke()).status).toBe(404);
    expect(await auditActions(owner.accountId)).toEqual(["member.invite", "member.invite_revoke"]);
  });

  it("inviting the same email again replaces the earlier link", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("twice");
    const first = await invite(owner.cookie, email);
    const second = await invite(owner.cookie, email, "member");
    expect((await preview(first.token)).status).toBe(404);
    expect((await preview(second.token)).status).toBe(200);
    const listed = await client(owner.cookie)("GET /api/team/invites");
    expect(listed.invites.map((i) => i.id)).toEqual([second.invite.id]);
  });

  it("only the invited email may accept: anyone else gets 403 naming it, and the link still works", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("meant");
    const { token } = await invite(owner.cookie, email);
    const stranger = await person("forwarded");
    const res = await accept(stranger.cookie, token);
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe("forbidden_role");
    expect(error.message).toContain(email);
    expect(await roleIn(owner.accountId, stranger.userId)).toBeNull();
    expect((await accept(await signIn(email), token)).status).toBe(200);
  });

  it("refuses to invite a member again (409) and needs a session to accept (401)", async () => {
    const owner = await person("owner");
    const member = await joined(owner, "member");
    for (const email of [member.email, owner.email]) {
      const res = await api("/api/team/invites", {
        method: "POST",
        json: { email, role: "member" },
        cookie: owner.cookie,
      });
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe("invalid_state");
    }
    const { token } = await invite(owner.cookie, uniqueEmail("later"));
    expect((await accept("", token)).status).toBe(401);
  });
});

describe("invitations: who may invite", () => {
  it("a member may not invite or see invitations; an admin invites members but not admins", async () => {
    const owner = await person("owner");
    const member = await joined(owner, "member");
    const admin = await joined(owner, "admin");
    const post = (cookie: string, role: string) =>
      api("/api/team/invites", {
        method: "POST",
        json: { email: uniqueEmail("x"), role },
        cookie,
      });
    for (const res of [
      await post(member.cookie, "member"),
      await api("/api/team/invites", { cookie: member.cookie }),
      await post(admin.cookie, "admin"),
    ]) {
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden_role");
    }
    expect((await post(admin.cookie, "member")).status).toBe(201);
    expect((await post(owner.cookie, "admin")).status).toBe(201);
  });

  it("another team's invitation is a 404 to revoke", async () => {
    const owner = await person("owner");
    const other = await person("other");
    const { invite: sent, token } = await invite(owner.cookie, uniqueEmail("theirs"));
    const res = await api(`/api/team/invites/${sent.id}`, {
      method: "DELETE",
      cookie: other.cookie,
    });
    expect(res.status).toBe(404);
    expect((await preview(token)).status).toBe(200);
  });

  it("limits invitations per team: 30 an hour, then 429", async () => {
    const owner = await person("owner");
    for (let i = 0; i < 30; i++) await invite(owner.cookie, uniqueEmail(`bulk${i}`));
    const res = await api("/api/team/invites", {
      method: "POST",
      json: { email: uniqueEmail("one-more"), role: "member" },
      cookie: owner.cookie,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeTruthy();
  });
});

describe("invitations: hostile input is a 400 with fields", () => {
  it.each([
    ["a bad email", { email: "not an email", role: "member" }, "email"],
    ["an oversize email", { email: `${"a".repeat(250)}@example.com`, role: "member" }, "email"],
    ["the owner's role", { email: "a@example.com", role: "owner" }, "role"],
    ["no role", { email: "a@example.com" }, "role"],
    ["an unknown field", { email: "a@example.com", role: "member", note: "hi" }, ""],
  ])("invite with %s", async (_what, json, field) => {
    const owner = await person("owner");
    const res = await api("/api/team/invites", { method: "POST", json, cookie: owner.cookie });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_input");
    expect(error.fields).toBeTruthy();
    expect(Object.keys(error.fields ?? {}).join(" ")).toContain(field);
    expect((await client(owner.cookie)("GET /api/team/invites")).invites).toEqual([]);
  });

  it("oversize, empty or unknown tokens and extra fields", async () => {
    const cookie = (await person("hostile")).cookie;
    for (const res of [
      await preview("x".repeat(201)),
      await api("/api/invitation"),
      await api("/api/invitation?token=abc&extra=1"),
      await accept(cookie, "x".repeat(201)),
      await api("/api/invitation/accept", {
        method: "POST",
        json: { token: "abc", account: "x" },
        cookie,
      }),
    ]) {
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_input");
      expect(error.fields).toBeTruthy();
    }
    const unknown = await preview("no-such-token");
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe("link_invalid");
    expect((await api("/api/team/invites/not-a-uuid", { method: "DELETE", cookie })).status).toBe(
      404,
    );
  });
});
