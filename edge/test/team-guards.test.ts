import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, errorOf, signIn, uniqueEmail } from "./helpers.ts";
import { accept, invite, joined, person, roleIn } from "./team-helpers.ts";

// What a change of the team leaves behind: an ownership transfer does not hand over the owner's
// card, and invitations do not outlive their inviter's right to invite.

const patch = (cookie: string, userId: string, role: string) =>
  api(`/api/team/members/${userId}`, { method: "PATCH", json: { role }, cookie });
const remove = (cookie: string, userId: string) =>
  api(`/api/team/members/${userId}`, { method: "DELETE", cookie });

async function subscribe(accountId: string, status: string): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO subscriptions (stripe_subscription_id, account_id, status, plan, event_created_at, updated_at)
     VALUES (?, ?, ?, 'pro', 1, 1)`,
  )
    .bind(`sub_${crypto.randomUUID()}`, accountId, status)
    .run();
}

describe("ownership transfer", () => {
  it("is refused while a paid subscription is in force, and allowed once it is canceled", async () => {
    const owner = await person("paying-owner");
    const heir = await joined(owner, "admin", "heir");
    await subscribe(owner.accountId, "active");
    const refused = await patch(owner.cookie, heir.userId, "owner");
    expect(refused.status).toBe(409);
    const error = await errorOf(refused);
    expect(error.code).toBe("invalid_state");
    expect(error.message).toMatch(/subscription.*[Cc]ancel/);
    expect(await roleIn(owner.accountId, owner.userId)).toBe("owner");

    await env.DB.prepare("UPDATE subscriptions SET status = 'canceled' WHERE account_id = ?")
      .bind(owner.accountId)
      .run();
    expect((await patch(owner.cookie, heir.userId, "owner")).status).toBe(200);
    expect(await roleIn(owner.accountId, heir.userId)).toBe("owner");
  });
});

describe("an admin's invitations", () => {
  const openInvitesBy = async (accountId: string, userId: string) =>
    (
      await env.DB.prepare(
        `SELECT count(*) AS n FROM invitations WHERE account_id = ? AND invited_by = ?
           AND accepted_at IS NULL AND revoked_at IS NULL`,
      )
        .bind(accountId, userId)
        .first<{ n: number }>()
    )?.n;

  for (const [how, act] of [
    ["removed", (o: string, a: { userId: string }) => remove(o, a.userId)],
    ["demoted to member", (o: string, a: { userId: string }) => patch(o, a.userId, "member")],
  ] as const) {
    it(`end when the admin is ${how}: the link no longer lets anyone in`, async () => {
      const owner = await person("inv-owner");
      const admin = await joined(owner, "admin", "inv-admin");
      const friend = uniqueEmail("friend");
      const { token } = await invite(admin.cookie, friend, "member");
      expect(await openInvitesBy(owner.accountId, admin.userId)).toBe(1);

      expect((await act(owner.cookie, admin)).status).toBeLessThan(300);
      expect(await openInvitesBy(owner.accountId, admin.userId)).toBe(0);
      const res = await accept(await signIn(friend), token);
      expect(res.status).toBe(404);
    });
  }

  it("end when the admin leaves", async () => {
    const owner = await person("inv-owner");
    const admin = await joined(owner, "admin", "inv-admin");
    await invite(admin.cookie, uniqueEmail("friend"), "member");
    expect((await remove(admin.cookie, admin.userId)).status).toBe(204);
    expect(await openInvitesBy(owner.accountId, admin.userId)).toBe(0);
  });

  it("of others stay: removing an admin leaves the owner's invitations open", async () => {
    const owner = await person("inv-owner");
    const admin = await joined(owner, "admin", "inv-admin");
    await invite(owner.cookie, uniqueEmail("owners"), "member");
    await invite(admin.cookie, uniqueEmail("admins"), "member");
    expect((await remove(owner.cookie, admin.userId)).status).toBe(204);
    expect(await openInvitesBy(owner.accountId, owner.userId)).toBe(1);
  });
});
