import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SETTLED_INVITATION_KEEP_MS } from "../services/reconcile.ts";
import { api, errorOf, mailbox, tokenOf } from "./helpers.ts";
import { runCronAt } from "./lifecycle-helpers.ts";
import { person } from "./team-fixture.ts";

// While an account waits for its deletion, it takes no one and nothing new: a hire or an
// invitation is refused, and a link sent before cannot be accepted; after a restore all work.
// And invitations that are settled leave D1 after a month.

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const HIRE = { name: "Ada", role: "researcher", tone: "concise", skills: ["web-research"] };

describe("an account scheduled for deletion", () => {
  it("refuses hires, invitations and joining until its owner restores it", async () => {
    const owner = await person("guard-owner");
    const guest = await person("guard-guest");
    // An invitation sent before the deletion was asked for.
    const sent = await api("/api/team/invites", {
      ...json({ email: guest.email, role: "member" }),
      cookie: owner.cookie,
    });
    expect(sent.status).toBe(201);
    const link = (await mailbox(guest.email)).find((m) => m.link?.includes("/invite"))?.link;
    if (!link) throw new Error("no invitation mail");
    const token = tokenOf(link);

    expect((await api("/api/account", { method: "DELETE", cookie: owner.cookie })).status).toBe(
      202,
    );

    const hire = await api("/api/employees", { ...json(HIRE), cookie: owner.cookie });
    expect(hire.status).toBe(409);
    expect((await errorOf(hire)).message).toMatch(/scheduled for deletion/);
    const invite = await api("/api/team/invites", {
      ...json({ email: "late@example.com", role: "member" }),
      cookie: owner.cookie,
    });
    expect(invite.status).toBe(409);
    const accept = await api("/api/invitation/accept", {
      ...json({ token }),
      cookie: guest.cookie,
    });
    expect(accept.status).toBe(409);
    expect((await errorOf(accept)).code).toBe("invalid_state");
    // Nothing was made or spent.
    const employees = await env.DB.prepare(
      "SELECT count(*) AS n FROM employees WHERE account_id = ?",
    )
      .bind(owner.ownAccountId)
      .first<{ n: number }>();
    expect(employees?.n).toBe(0);

    expect(
      (await api("/api/account/restore", { method: "POST", cookie: owner.cookie })).status,
    ).toBe(200);
    const joined = await api("/api/invitation/accept", {
      ...json({ token }),
      cookie: guest.cookie,
    });
    expect(joined.status).toBe(200);
  });
});

describe("the cron", () => {
  it("drops invitations settled over a month ago and keeps open and recent ones", async () => {
    const owner = await person("guard-cron");
    const now = Date.now();
    const old = now - SETTLED_INVITATION_KEEP_MS - 60_000;
    const row = (
      id: string,
      expiresAt: number,
      acceptedAt: number | null,
      revokedAt: number | null,
    ) =>
      env.DB.prepare(
        `INSERT INTO invitations (id, account_id, email, role, token_hash, invited_by, created_at,
           expires_at, accepted_at, revoked_at) VALUES (?, ?, ?, 'member', ?, 'x', ?, ?, ?, ?)`,
      ).bind(
        id,
        owner.ownAccountId,
        `${id}@example.com`,
        crypto.randomUUID(),
        old - 1,
        expiresAt,
        acceptedAt,
        revokedAt,
      );
    const ids = {
      expiredLongAgo: crypto.randomUUID(),
      acceptedLongAgo: crypto.randomUUID(),
      revokedLongAgo: crypto.randomUUID(),
      expiredRecently: crypto.randomUUID(),
      open: crypto.randomUUID(),
    };
    await env.DB.batch([
      row(ids.expiredLongAgo, old, null, null),
      row(ids.acceptedLongAgo, now + 1000, old, null),
      row(ids.revokedLongAgo, now + 1000, null, old),
      row(ids.expiredRecently, now - 1000, null, null),
      row(ids.open, now + 86_400_000, null, null),
    ]);
    await runCronAt(now);
    const left = await env.DB.prepare("SELECT id FROM invitations WHERE account_id = ?")
      .bind(owner.ownAccountId)
      .all<{ id: string }>();
    expect(left.results.map((r) => r.id).sort()).toEqual([ids.expiredRecently, ids.open].sort());
  });
});
