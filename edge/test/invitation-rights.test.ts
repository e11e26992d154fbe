import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../db/client.ts";
import type { InvitationRow } from "../../db/schema.ts";
import { revokeOtherInvitations } from "../store/invitations.ts";
import { api, errorOf, uniqueEmail } from "./helpers.ts";
import { invite, joined, person } from "./team-helpers.ts";

// Only the owner touches admins, their invitations included; and of two invitations to one
// email sent at once, the newer survives rather than neither.

const isOpen = async (id: string) =>
  (
    await env.DB.prepare("SELECT revoked_at FROM invitations WHERE id = ?")
      .bind(id)
      .first<{ revoked_at: number | null }>()
  )?.revoked_at === null;

describe("the owner's admin invitations", () => {
  it("an admin can neither revoke nor replace them (403 forbidden_role); the owner can", async () => {
    const owner = await person("adm-inv-owner");
    const admin = await joined(owner, "admin", "adm-inv-admin");
    const email = uniqueEmail("future-admin");
    const { invite: sent } = await invite(owner.cookie, email, "admin");

    const revoke = (cookie: string) =>
      api(`/api/team/invites/${sent.id}`, { method: "DELETE", cookie });
    const refused = await revoke(admin.cookie);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("forbidden_role");
    const replaced = await api("/api/team/invites", {
      method: "POST",
      json: { email, role: "member" },
      cookie: admin.cookie,
    });
    expect(replaced.status).toBe(403);
    expect((await errorOf(replaced)).code).toBe("forbidden_role");
    expect(await isOpen(sent.id)).toBe(true);

    // An admin still replaces and revokes member invitations.
    const other = uniqueEmail("member-inv");
    const first = await invite(admin.cookie, other, "member");
    const second = await invite(admin.cookie, other, "member");
    expect(await isOpen(first.invite.id)).toBe(false);
    const mine = await api(`/api/team/invites/${second.invite.id}`, {
      method: "DELETE",
      cookie: admin.cookie,
    });
    expect(mine.status).toBe(204);

    expect((await revoke(owner.cookie)).status).toBe(204);
  });
});

describe("two invitations to one email sent at once", () => {
  it("the newer stays open whichever replaces first", async () => {
    const owner = await person("race-inv");
    const email = uniqueEmail("raced");
    const now = Date.now();
    const row = (id: string, createdAt: number): InvitationRow => ({
      id,
      accountId: owner.accountId,
      email,
      role: "member",
      tokenHash: crypto.randomUUID(),
      invitedBy: owner.userId,
      createdAt,
      expiresAt: createdAt + 86_400_000,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    });
    const a = row(crypto.randomUUID(), now);
    const b = row(crypto.randomUUID(), now + 1);
    const db = openDb(env.DB);
    // Both are inserted before either mail goes out; A's replacement runs first, then B's.
    for (const r of [a, b]) {
      await env.DB.prepare(
        `INSERT INTO invitations (id, account_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
        .bind(
          r.id,
          r.accountId,
          r.email,
          r.role,
          r.tokenHash,
          r.invitedBy,
          r.createdAt,
          r.expiresAt,
        )
        .run();
    }
    const roles = ["admin", "member"] as const;
    const base = { accountId: owner.accountId, email, now: now + 2, roles };
    expect(await revokeOtherInvitations(db, { ...base, keep: a })).toBe(0);
    expect(await revokeOtherInvitations(db, { ...base, keep: b })).toBe(1);
    expect(await isOpen(b.id)).toBe(true);
    expect(await isOpen(a.id)).toBe(false);
  });
});
