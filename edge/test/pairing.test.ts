// Pairing requests (issue 17): strangers who wrote to an employee, listed for the account's
// admins, allowed (optionally linked to a member) or blocked. Only admins see and decide (403
// forbidden_role for a member), another account's request is 404, each decision is audited and
// stored in D1, where the inbox screens what the sender writes next.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { PairingRequestView } from "../contract/channels.ts";
import { getChannelSender, linkedMember } from "../store/channel-senders.ts";
import { api, auditOf, errorOf, hire, removeAllEmployees } from "./helpers.ts";
import { buildTeam, type Person, type Team } from "./team-fixture.ts";

let team: Team;
let employeeId: string;
let employeeName: string;

const Requests = z.object({ requests: z.array(PairingRequestView) });
const OneRequest = z.object({ request: PairingRequestView });

async function stranger(senderKey: string, createdAt = Date.now()): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO channel_senders (id, account_id, employee_id, kind, sender_key, display_name, email, preview, message_count, created_at)
     VALUES (?1, ?2, ?3, 'telegram', ?4, 'Eve Stranger', NULL, 'Hello, who is this?', 2, ?5)`,
  )
    .bind(id, team.accountId, employeeId, senderKey, createdAt)
    .run();
  return id;
}

const decide = (who: Person, id: string, json: unknown) =>
  api(`/api/pairing-requests/${id}`, { method: "POST", cookie: who.cookie, json });

beforeAll(async () => {
  team = await buildTeam("pairing");
  employeeName = `Pair ${crypto.randomUUID().slice(0, 6)}`;
  employeeId = (await hire(team.owner.cookie, { name: employeeName })).id;
});
afterAll(removeAllEmployees);

describe("GET /api/pairing-requests", () => {
  it("lists the account's pending requests, newest first, for admins only", async () => {
    const older = await stranger(`tg-${crypto.randomUUID()}`, Date.now() - 60_000);
    const newer = await stranger(`tg-${crypto.randomUUID()}`);
    const res = await api("/api/pairing-requests", { cookie: team.admin.cookie });
    expect(res.status).toBe(200);
    const { requests } = z.parse(Requests, await res.json());
    const ours = requests.filter((r) => r.id === older || r.id === newer);
    expect(ours.map((r) => r.id)).toEqual([newer, older]);
    expect(ours[0]).toMatchObject({
      employeeId,
      employeeName,
      kind: "telegram",
      sender: { name: "Eve Stranger", email: null },
      preview: "Hello, who is this?",
      messageCount: 2,
      status: "pending",
    });

    const byMember = await api("/api/pairing-requests", { cookie: team.member.cookie });
    expect(byMember.status).toBe(403);
    expect((await errorOf(byMember)).code).toBe("forbidden_role");
    // Another account sees none of them.
    const theirs = await api("/api/pairing-requests", { cookie: team.stranger.cookie });
    expect(z.parse(Requests, await theirs.json()).requests).toEqual([]);
    expect((await api("/api/pairing-requests")).status).toBe(401);
  });
});

describe("POST /api/pairing-requests/:id", () => {
  it("allows a sender, linked to a member: stored, audited, no longer pending", async () => {
    const key = `tg-${crypto.randomUUID()}`;
    const id = await stranger(key);
    const res = await decide(team.admin, id, { decision: "allow", userId: team.member.userId });
    expect(res.status).toBe(200);
    expect(z.parse(OneRequest, await res.json()).request).toMatchObject({
      id,
      status: "allowed",
      employeeName,
    });
    expect(await getChannelSender(env.DB, id)).toMatchObject({
      status: "allowed",
      userId: team.member.userId,
      decidedBy: team.admin.userId,
    });
    expect(await linkedMember(env.DB, team.accountId, "telegram", key)).toBe(team.member.userId);
    const audit = await auditOf(team.accountId, "channel.pairing");
    expect(audit).toContainEqual(
      expect.objectContaining({
        actorUserId: team.admin.userId,
        targetId: employeeId,
        detail: expect.objectContaining({ decision: "allow", kind: "telegram" }),
      }),
    );
    const listed = z.parse(
      Requests,
      await (await api("/api/pairing-requests", { cookie: team.owner.cookie })).json(),
    );
    expect(listed.requests.map((r) => r.id)).not.toContain(id);
  });

  it("blocks a sender", async () => {
    const id = await stranger(`tg-${crypto.randomUUID()}`);
    const res = await decide(team.owner, id, { decision: "block" });
    expect(res.status).toBe(200);
    expect((await getChannelSender(env.DB, id))?.status).toBe("blocked");
  });

  it("is 403 for a member, 404 for another account or an unknown id, and changes nothing", async () => {
    const id = await stranger(`tg-${crypto.randomUUID()}`);
    const byMember = await decide(team.member, id, { decision: "allow" });
    expect(byMember.status).toBe(403);
    expect((await errorOf(byMember)).code).toBe("forbidden_role");
    const foreign = await decide(team.stranger, id, { decision: "block" });
    expect(foreign.status).toBe(404);
    expect((await errorOf(foreign)).code).toBe("not_found");
    expect((await decide(team.admin, crypto.randomUUID(), { decision: "block" })).status).toBe(404);
    expect((await decide(team.admin, "not-an-id", { decision: "block" })).status).toBe(404);
    expect((await getChannelSender(env.DB, id))?.status).toBe("pending");
  });

  it("refuses a link to someone outside the team and odd decisions (400)", async () => {
    const id = await stranger(`tg-${crypto.randomUUID()}`);
    const outsider = await decide(team.admin, id, {
      decision: "allow",
      userId: team.stranger.userId,
    });
    expect(outsider.status).toBe(400);
    expect((await errorOf(outsider)).fields?.userId).toBeDefined();
    for (const body of [
      { decision: "block", userId: team.member.userId },
      { decision: "maybe" },
      { decision: "allow", extra: true },
      {},
    ])
      expect((await decide(team.admin, id, body)).status, JSON.stringify(body)).toBe(400);
    expect((await getChannelSender(env.DB, id))?.status).toBe("pending");
  });
});
