import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT_DELETION_GRACE_DAYS,
  ACCOUNT_DELETION_HOLD_REASON,
} from "../contract/account-lifecycle.ts";
import type { AccountView } from "../contract/team.ts";
import { createNode } from "./fake-agent.ts";
import { api, client, errorOf, removeAllEmployees } from "./helpers.ts";
import {
  AnsweringAgent,
  joinAs,
  type Person,
  person,
  runCronAt,
  runningEmployee,
  seedAudit,
  statusOf,
  until,
  uploadKnowledge,
} from "./lifecycle-helpers.ts";

const DAY = 86_400_000;
const GRACE = ACCOUNT_DELETION_GRACE_DAYS * DAY;

let agent: AnsweringAgent;
beforeAll(async () => {
  agent = await AnsweringAgent.connect((await createNode()).token);
});
afterAll(async () => {
  agent.close();
  await removeAllEmployees();
});

async function deleteAccount(who: Person) {
  return api("/api/account", { method: "DELETE", cookie: who.cookie });
}
async function restore(who: Person) {
  return api("/api/account/restore", { method: "POST", cookie: who.cookie });
}
const accountIn = async (res: Response) => ((await res.json()) as { account: AccountView }).account;

// Rows a team leaves in every table, besides what the API made: usage (no foreign key), a chat
// view, an invitation, a subscription, its audit log; and an export's objects in R2.
async function leaveTraces(accountId: string, employeeId: string): Promise<void> {
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO llm_usage (id, account_id, employee_id, model, prompt_tokens, completion_tokens,
         cost_micro_eur, stream, month, created_at) VALUES (?, ?, ?, 'fast', 10, 5, 42, 0, '2026-06', ?)`,
    ).bind(crypto.randomUUID(), accountId, employeeId, now),
    env.DB.prepare(
      "INSERT INTO chat_views (id, account_id, employee_id, opened_at) VALUES (?, ?, ?, ?)",
    ).bind(crypto.randomUUID(), accountId, employeeId, now),
    env.DB.prepare(
      `INSERT INTO invitations (id, account_id, email, role, token_hash, invited_by, created_at, expires_at)
       VALUES (?, ?, 'guest@example.com', 'member', ?, 'someone', ?, ?)`,
    ).bind(crypto.randomUUID(), accountId, crypto.randomUUID(), now, now + DAY),
    env.DB.prepare(
      `INSERT INTO subscriptions (stripe_subscription_id, account_id, status, plan, event_created_at, updated_at)
       VALUES (?, ?, 'canceled', 'starter', ?, ?)`,
    ).bind(`sub_${crypto.randomUUID()}`, accountId, now, now),
  ]);
  await seedAudit(accountId, [{ at: now, action: "employee.hire", targetId: employeeId }]);
  await env.KNOWLEDGE.put(`exports/${accountId}/x.json`, "{}");
  await env.KNOWLEDGE.put(`exports/${accountId}/x/account-export.zip`, "zip");
}

// Every table of D1, read from sqlite_master so that a table added later is checked too: the
// rows in which any column holds one of `needles` (the account's id, its employees' ids, its
// Stripe customer), as text anywhere in the value (R2 keys, JSON details).
async function rowsMentioning(needles: string[]): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  const found: Record<string, number> = {};
  for (const { name } of tables.results) {
    const columns = await env.DB.prepare(`SELECT name FROM pragma_table_info('${name}')`).all<{
      name: string;
    }>();
    const test = columns.results
      .map((c) => `instr(CAST("${c.name}" AS TEXT), ?1) > 0`)
      .join(" OR ");
    let n = 0;
    for (const needle of needles) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE ${test}`)
        .bind(needle)
        .first<{ n: number }>();
      n += row?.n ?? 0;
    }
    found[name] = n;
  }
  return found;
}

async function r2Keys(prefix: string): Promise<string[]> {
  return (await env.KNOWLEDGE.list({ prefix })).objects.map((o) => o.key);
}

describe("account deletion", () => {
  it("is the owner's alone", async () => {
    const owner = await person("del-roles-owner");
    const [admin, member] = await Promise.all([person("del-admin"), person("del-member")]);
    await joinAs(admin, owner.accountId, "admin");
    await joinAs(member, owner.accountId, "member");
    for (const who of [admin, member]) {
      for (const res of [await deleteAccount(who), await restore(who)]) {
        expect(res.status).toBe(403);
        expect((await errorOf(res)).code).toBe("forbidden_role");
      }
    }
    const row = await env.DB.prepare(
      "SELECT deletion_requested_at AS at FROM accounts WHERE id = ?",
    )
      .bind(owner.accountId)
      .first<{ at: number | null }>();
    expect(row?.at).toBeNull();
  });

  it("holds every employee, can be canceled, and after the grace leaves nothing of the account", async () => {
    const owner = await person("del-owner");
    const other = await person("del-other");
    const [admin] = await Promise.all([person("del-team-admin")]);
    await joinAs(admin, owner.accountId, "admin");
    await env.DB.prepare("UPDATE sessions SET active_account_id = ? WHERE user_id = ?")
      .bind(owner.accountId, owner.userId)
      .run();
    // A plan for a team of two, so that what a cancel lets run again is both.
    await env.DB.prepare("UPDATE accounts SET plan = 'pro' WHERE id = ?")
      .bind(owner.accountId)
      .run();

    const ada = await runningEmployee(owner.accountId, "Ada");
    const bob = await runningEmployee(owner.accountId, "Bob");
    const theirs = await runningEmployee(other.accountId, "Cy");
    await uploadKnowledge(owner, "/api/knowledge", "handbook.md", "# Team");
    await uploadKnowledge(owner, `/api/employees/${ada}/knowledge`, "ada.txt", "Ada's own");
    await uploadKnowledge(other, "/api/knowledge", "theirs.md", "# Theirs");
    const checkout = await client(owner.cookie)("POST /api/billing/checkout", {
      body: { plan: "starter" },
    });
    expect(checkout.url).toMatch(/\/stripe\/checkout\/cs_test_/);
    const customer = (
      await env.DB.prepare("SELECT stripe_customer_id AS id FROM accounts WHERE id = ?")
        .bind(owner.accountId)
        .first<{ id: string }>()
    )?.id as string;
    expect(customer).toMatch(/^cus_/);
    await leaveTraces(owner.accountId, ada);
    await leaveTraces(other.accountId, theirs);
    const othersBefore = await rowsMentioning([other.accountId, theirs]);

    // Scheduled: every employee stops, held with the reason; a second request is refused.
    const requestedAt = Date.now();
    const scheduled = await deleteAccount(owner);
    expect(scheduled.status).toBe(202);
    const view = await accountIn(scheduled);
    expect(view.id).toBe(owner.accountId);
    const due = Date.parse(view.deletionScheduledFor ?? "");
    expect(due).toBeGreaterThanOrEqual(requestedAt + GRACE - 1000);
    expect(due).toBeLessThanOrEqual(Date.now() + GRACE);
    for (const id of [ada, bob])
      await until(async () => {
        const s = await statusOf(id);
        return s?.status === "stopped" && s.reason === ACCOUNT_DELETION_HOLD_REASON;
      }, "held employees");
    expect((await statusOf(theirs))?.status).toBe("running");
    const again = await deleteAccount(owner);
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("invalid_state");
    const start = await api(`/api/employees/${ada}/provision`, {
      method: "POST",
      cookie: owner.cookie,
    });
    expect(start.status).toBe(409);
    expect((await errorOf(start)).message).toBe(ACCOUNT_DELETION_HOLD_REASON);

    // Canceled: they run again; canceling twice is refused.
    const restored = await restore(owner);
    expect(restored.status).toBe(200);
    expect((await accountIn(restored)).deletionScheduledFor).toBeNull();
    for (const id of [ada, bob])
      await until(async () => (await statusOf(id))?.status === "running", "released employees");
    expect((await restore(owner)).status).toBe(409);

    // Scheduled again. An employee that starts meanwhile (hired around the hold) is held by the
    // next cron run.
    expect((await deleteAccount(owner)).status).toBe(202);
    for (const id of [ada, bob])
      await until(async () => (await statusOf(id))?.status === "stopped", "held again");
    const dee = await runningEmployee(owner.accountId, "Dee");
    await runCronAt(Date.now());
    await until(async () => {
      const s = await statusOf(dee);
      return s?.status === "stopped" && s.reason === ACCOUNT_DELETION_HOLD_REASON;
    }, "the newcomer held");

    // The grace passes (the request moved back), and the cron purges.
    const actions = (
      await env.DB.prepare("SELECT action FROM audit_events WHERE account_id = ? ORDER BY at")
        .bind(owner.accountId)
        .all<{ action: string }>()
    ).results.map((r) => r.action);
    expect(actions.filter((a) => a.startsWith("account."))).toEqual([
      "account.delete_request",
      "account.delete_cancel",
      "account.delete_request",
    ]);
    await env.DB.prepare("UPDATE accounts SET deletion_requested_at = ? WHERE id = ?")
      .bind(Date.now() - GRACE - 60_000, owner.accountId)
      .run();
    expect((await restore(owner)).status).toBe(409); // too late to cancel
    await runCronAt(Date.now());
    // The nodes remove the fired employees; the next run finishes.
    for (const id of [ada, bob, dee])
      await until(() => agent.count("container.remove", id) > 0, "removal sent to the node");
    await until(
      async () =>
        (await statusOf(ada)) === null &&
        (await statusOf(bob)) === null &&
        (await statusOf(dee)) === null,
      "employees removed",
    );
    await runCronAt(Date.now());

    const left = await rowsMentioning([owner.accountId, ada, bob, dee, customer]);
    expect(Object.keys(left).length).toBeGreaterThanOrEqual(15);
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    expect(await r2Keys(`knowledge/${owner.accountId}/`)).toEqual([]);
    expect(await r2Keys(`exports/${owner.accountId}/`)).toEqual([]);
    const session = await env.DB.prepare(
      "SELECT active_account_id AS a FROM sessions WHERE user_id = ?",
    )
      .bind(owner.userId)
      .first<{ a: string | null }>();
    expect(session?.a).toBeNull();

    const stripe = (await (await fetch(`${env.STAND_IN_URL}/stripe/_test/requests`)).json()) as {
      requests: { method: string; path: string }[];
    };
    expect(stripe.requests).toContainEqual(
      expect.objectContaining({ method: "DELETE", path: `/v1/customers/${customer}` }),
    );

    // The other account is as it was, but for the scheduled backups the cron took of its running
    // employee meanwhile (issue 16): those are its own, kept.
    const othersAfter = await rowsMentioning([other.accountId, theirs]);
    const { snapshots: _s, snapshot_keys: _k, ...othersKept } = othersAfter;
    const { snapshots: _s0, snapshot_keys: _k0, ...othersKeptBefore } = othersBefore;
    expect(othersKept).toEqual(othersKeptBefore);
    expect(othersAfter.snapshot_keys ?? 0).toBeLessThanOrEqual(1);
    expect(await r2Keys(`knowledge/${other.accountId}/`)).toHaveLength(1);
    expect(await r2Keys(`exports/${other.accountId}/`)).toHaveLength(2);
    expect((await statusOf(theirs))?.status).toBe("running");

    // The owner is still a person who can sign in: they get an account of their own again.
    const me = await client(owner.cookie)("GET /api/me");
    expect(me.account.id).not.toBe(owner.accountId);
  });
});
