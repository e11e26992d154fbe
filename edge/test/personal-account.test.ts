import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "./helpers.ts";
import { addMember, person } from "./team-fixture.ts";

// A person who belongs to no account gets an account of their own on their next request, but
// only one, however many requests arrive at once, and its trial is the one that started when
// they signed up: leaving every account is no way to a fresh trial.

const DAY = 24 * 60 * 60 * 1000;

describe("the personal account of someone who belongs to no account", () => {
  it("is made once for 10 concurrent requests, with the trial of their sign-up", async () => {
    const owner = await person("solo-owner");
    const solo = await person("solo");
    // Signed up 30 days ago; then their own account went (purged) and they joined another team.
    const signedUpAt = Date.now() - 30 * DAY;
    await env.DB.batch([
      env.DB.prepare("UPDATE users SET created_at = ? WHERE id = ?").bind(signedUpAt, solo.userId),
      env.DB.prepare("DELETE FROM accounts WHERE id = ?").bind(solo.ownAccountId),
    ]);
    await addMember(owner.ownAccountId, solo, "member");
    const removed = await api(`/api/team/members/${solo.userId}`, {
      method: "DELETE",
      cookie: owner.cookie,
    });
    expect(removed.status).toBe(204);

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => api("/api/me", { cookie: solo.cookie })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const seen = new Set(
      await Promise.all(
        answers.map(async (r) => ((await r.json()) as { account: { id: string } }).account.id),
      ),
    );

    const owned = await env.DB.prepare(
      `SELECT a.id, a.trial_ends_at FROM memberships m JOIN accounts a ON a.id = m.account_id
       WHERE m.user_id = ?`,
    )
      .bind(solo.userId)
      .all<{ id: string; trial_ends_at: number }>();
    expect(owned.results).toHaveLength(1);
    const account = owned.results[0];
    expect([...seen]).toEqual([account?.id]);
    // Their trial ended 23 days ago: this account is no new one.
    expect(account?.trial_ends_at).toBe(signedUpAt + 7 * DAY);
    // Recorded once, in the new account's audit log.
    const audit = await env.DB.prepare("SELECT action FROM audit_events WHERE account_id = ?")
      .bind(account?.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["account.create"]);
  });
});
