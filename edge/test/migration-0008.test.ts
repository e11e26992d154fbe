import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../db/client.ts";
import * as schema from "../../db/schema.ts";
import { membershipsOf } from "../store/accounts.ts";

// Migration 0008 (accounts) against rows made by the schema before it: the database is built
// from migrations 0000–0007 alone, filled the way that code filled it, then migrated as wrangler
// migrates production. Nothing may be lost: each user owns an account of the same id carrying
// what the user carried, every tenant row names that account, sessions and Google links survive.

const db = env.MIGRATION_DB;
const DAY = 86_400_000;
const T = Date.parse("2026-05-01T08:00:00.000Z");

const before = env.TEST_MIGRATIONS.filter((m) => m.name < "0008");
const through0008 = env.TEST_MIGRATIONS.filter((m) => m.name < "0009");

// Two paying and trial users as 0000–0007 stored them; Bea has no name, Cem only blanks.
const USERS = [
  {
    id: "0b7c8f7e-0000-4000-8000-00000000a11c",
    email: "ali@example.com",
    name: "Ali",
    plan: "pro",
    trial_ends_at: T + 7 * DAY,
    stripe_customer_id: "cus_ali",
    billing_notice: "Stopped Bo. The Pro plan includes 3 employees.",
    created_at: T,
    updated_at: T + 1000,
  },
  {
    id: "0b7c8f7e-0000-4000-8000-0000000000be",
    email: "bea@example.com",
    name: null,
    plan: "trial",
    trial_ends_at: T + 8 * DAY,
    stripe_customer_id: null,
    billing_notice: null,
    created_at: T + DAY,
    updated_at: T + DAY,
  },
  {
    id: "0b7c8f7e-0000-4000-8000-000000000cee",
    email: "cem@example.com",
    name: "   ",
    plan: "trial",
    trial_ends_at: T + 9 * DAY,
    stripe_customer_id: null,
    billing_notice: null,
    created_at: T + 2 * DAY,
    updated_at: T + 2 * DAY,
  },
] as const;
const [ALI, BEA] = USERS;

async function insert(table: string, row: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(row);
  await db
    .prepare(
      `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
    )
    .bind(...Object.values(row))
    .run();
}

const all = async <T = Record<string, unknown>>(sql: string, ...args: unknown[]) =>
  (
    await db
      .prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;

// The tenant rows of each table as they were, keyed by table: after the migration the same rows
// must be there with account_id where user_id was.
const TENANT_TABLES = [
  "employees",
  "knowledge_files",
  "llm_keys",
  "llm_usage",
  "subscriptions",
  "chat_views",
];
const oldRows: Record<string, Record<string, unknown>[]> = {};
const untouched: Record<string, Record<string, unknown>[]> = {};
const UNTOUCHED_TABLES = ["oauth_accounts", "nodes", "login_tokens", "dev_mail", "stripe_events"];

async function fillTheOldSchema(): Promise<void> {
  for (const u of USERS) await insert("users", u);
  const sessions = [
    {
      token_hash: "h-ali-laptop",
      user_id: ALI.id,
      created_at: T,
      expires_at: T + 30 * DAY,
      user_agent: "Firefox",
    },
    {
      token_hash: "h-ali-phone",
      user_id: ALI.id,
      created_at: T + 5,
      expires_at: T + 30 * DAY,
      user_agent: null,
    },
    {
      token_hash: "h-bea",
      user_id: BEA.id,
      created_at: T + DAY,
      expires_at: T + 31 * DAY,
      user_agent: "Safari",
    },
  ];
  for (const s of sessions) await insert("sessions", s);
  await insert("oauth_accounts", {
    provider: "google",
    provider_user_id: "g-ali",
    user_id: ALI.id,
    email: ALI.email,
    created_at: T,
  });
  await insert("nodes", {
    id: "node-1",
    name: "n1",
    token_hash: "nh",
    created_at: T,
    status: "online",
    capacity_slots: 4,
    used_slots: 2,
    runtime: "runsc",
  });
  await insert("login_tokens", {
    token_hash: "lt",
    email: BEA.email,
    created_at: T,
    expires_at: T + 900_000,
  });
  await insert("dev_mail", {
    id: "m1",
    to: BEA.email,
    subject: "Sign in",
    text: "…",
    link: null,
    sent_at: T,
  });
  await insert("stripe_events", { id: "evt_1", type: "invoice.paid", created: 1, received_at: T });
  const employee = (id: string, userId: string, name: string) => ({
    id,
    user_id: userId,
    name,
    role: "researcher",
    tone: "friendly",
    skills: '["web-research"]',
    status: "running",
    status_reason: null,
    step: null,
    node_id: "node-1",
    created_at: T,
    updated_at: T + 1,
  });
  const ada = "e0000000-0000-4000-8000-0000000000ad";
  const bo = "e0000000-0000-4000-8000-0000000000b0";
  const cy = "e0000000-0000-4000-8000-0000000000c1";
  for (const e of [
    employee(ada, ALI.id, "Ada"),
    employee(bo, ALI.id, "Bo"),
    employee(cy, BEA.id, "Cy"),
  ])
    await insert("employees", e);
  for (const [id, folder, name] of [
    ["k1", "team", "handbook.md"],
    ["k2", ada, "notes.txt"],
  ])
    await insert("knowledge_files", {
      id,
      user_id: ALI.id,
      folder,
      name,
      content_type: "text/plain",
      size: 10,
      sha256: "00",
      r2_key: `knowledge/${ALI.id}/${id}`,
      created_at: T,
    });
  await insert("llm_keys", {
    key_hash: "kh-ada",
    employee_id: ada,
    user_id: ALI.id,
    created_at: T,
    revoked_at: null,
  });
  await insert("llm_keys", {
    key_hash: "kh-cy",
    employee_id: cy,
    user_id: BEA.id,
    created_at: T,
    revoked_at: T + 5,
  });
  await insert("llm_usage", {
    id: "u1",
    user_id: ALI.id,
    employee_id: ada,
    model: "fast",
    prompt_tokens: 10,
    completion_tokens: 5,
    cost_micro_eur: 42,
    stream: 1,
    month: "2026-05",
    created_at: T,
  });
  await insert("subscriptions", {
    stripe_subscription_id: "sub_new",
    user_id: ALI.id,
    status: "active",
    plan: "pro",
    stripe_created_at: 20,
    current_period_end: T + 30 * DAY,
    cancel_at_period_end: 0,
    past_due_since: null,
    event_created_at: 21,
    payment_event_created_at: 0,
    updated_at: T,
  });
  await insert("subscriptions", {
    stripe_subscription_id: "sub_old",
    user_id: ALI.id,
    status: "canceled",
    plan: "starter",
    stripe_created_at: 10,
    current_period_end: null,
    cancel_at_period_end: 1,
    past_due_since: T,
    event_created_at: 22,
    payment_event_created_at: 3,
    updated_at: T,
  });
  await insert("chat_views", { id: "cv1", user_id: BEA.id, employee_id: cy, opened_at: T });
  for (const t of TENANT_TABLES) oldRows[t] = await all(`SELECT * FROM ${t} ORDER BY rowid`);
  for (const t of UNTOUCHED_TABLES) untouched[t] = await all(`SELECT * FROM ${t} ORDER BY rowid`);
}

beforeAll(async () => {
  // The binding is this file's alone (vitest.config.ts) and starts empty.
  const tables = await all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  );
  expect(tables).toEqual([]);
  expect(before.map((m) => m.name.slice(0, 4))).toEqual([
    "0000",
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
  ]);
  await applyD1Migrations(db, before);
  await fillTheOldSchema();
  await applyD1Migrations(db, through0008);
});

describe("migration 0008 on rows made by the schema before it", () => {
  it("ran, after 0000–0007", async () => {
    const applied = await all<{ name: string }>("SELECT name FROM d1_migrations ORDER BY id");
    expect(applied.map((m) => m.name)).toEqual(through0008.map((m) => m.name));
  });

  it("gives each user an account of the same id with the plan, trial, Stripe customer and notice, owned by them", async () => {
    const accounts = await all("SELECT * FROM accounts ORDER BY created_at");
    expect(accounts).toEqual(
      USERS.map((u) => ({
        id: u.id,
        name: u.name?.trim() ? u.name : u.email,
        plan: u.plan,
        trial_ends_at: u.trial_ends_at,
        stripe_customer_id: u.stripe_customer_id,
        billing_notice: u.billing_notice,
        deletion_requested_at: null,
        created_at: u.created_at,
        updated_at: u.updated_at,
      })),
    );
    expect(
      await all(
        "SELECT account_id, user_id, role, created_at FROM memberships ORDER BY created_at",
      ),
    ).toEqual(
      USERS.map((u) => ({
        account_id: u.id,
        user_id: u.id,
        role: "owner",
        created_at: u.created_at,
      })),
    );
    expect(await all("SELECT * FROM users ORDER BY created_at")).toEqual(
      USERS.map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        created_at: u.created_at,
        updated_at: u.updated_at,
      })),
    );
    // The edge's own reads work on the migrated rows.
    const [mine] = await membershipsOf(openDb(db), ALI.id);
    expect(mine).toMatchObject({
      role: "owner",
      account: { id: ALI.id, plan: "pro", stripeCustomerId: "cus_ali" },
    });
  });

  it("keeps every tenant row, now naming the account (the old user id)", async () => {
    for (const t of TENANT_TABLES) {
      const now = await all(`SELECT * FROM ${t}`);
      const expected = (oldRows[t] ?? []).map(({ user_id, ...rest }) => ({
        ...rest,
        account_id: user_id,
      }));
      const byKey = (r: Record<string, unknown>) =>
        String(r.id ?? r.key_hash ?? r.stripe_subscription_id);
      expect(`${t}: ${now.length}`).toBe(`${t}: ${expected.length}`);
      expect(expected.length).toBeGreaterThan(0);
      expect([...now].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
        [...expected].sort((a, b) => byKey(a).localeCompare(byKey(b))),
      );
    }
    for (const t of UNTOUCHED_TABLES)
      expect(await all(`SELECT * FROM ${t} ORDER BY rowid`)).toEqual(untouched[t]);
  });

  it("keeps sessions, each with a public id, last seen when it was made, acting in the user's account", async () => {
    const sessions = await all<Record<string, unknown>>(
      "SELECT * FROM sessions ORDER BY created_at",
    );
    expect(sessions.map(({ id: _, ...s }) => s)).toEqual([
      {
        token_hash: "h-ali-laptop",
        user_id: ALI.id,
        active_account_id: ALI.id,
        created_at: T,
        expires_at: T + 30 * DAY,
        last_seen_at: T,
        user_agent: "Firefox",
        ip: null,
      },
      {
        token_hash: "h-ali-phone",
        user_id: ALI.id,
        active_account_id: ALI.id,
        created_at: T + 5,
        expires_at: T + 30 * DAY,
        last_seen_at: T + 5,
        user_agent: null,
        ip: null,
      },
      {
        token_hash: "h-bea",
        user_id: BEA.id,
        active_account_id: BEA.id,
        created_at: T + DAY,
        expires_at: T + 31 * DAY,
        last_seen_at: T + DAY,
        user_agent: "Safari",
        ip: null,
      },
    ]);
    const ids = sessions.map((s) => s.id);
    expect(ids.every((id) => typeof id === "string" && /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("matches the schema the code reads: every table and column of db/schema.ts is there", async () => {
    for (const table of Object.values(schema)) {
      if (!is(table, SQLiteTable)) continue;
      const { name, columns } = getTableConfig(table);
      const actual = (
        await all<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
      ).map((c) => c.name);
      expect(`${name}: ${actual.sort()}`).toBe(`${name}: ${columns.map((c) => c.name).sort()}`);
    }
  });

  it("leaves no broken reference, and a user's deletion no longer takes the account's employees", async () => {
    expect(await all("PRAGMA foreign_key_check")).toEqual([]);
    await db.prepare("DELETE FROM users WHERE id = ?").bind(ALI.id).run();
    // What was the person's goes with them; what was the account's stays.
    expect(await all("SELECT token_hash FROM sessions WHERE user_id = ?", ALI.id)).toEqual([]);
    expect(await all("SELECT provider FROM oauth_accounts WHERE user_id = ?", ALI.id)).toEqual([]);
    expect(await all("SELECT role FROM memberships WHERE user_id = ?", ALI.id)).toEqual([]);
    expect(
      await all("SELECT name FROM employees WHERE account_id = ? ORDER BY name", ALI.id),
    ).toEqual([{ name: "Ada" }, { name: "Bo" }]);
    expect(await all("SELECT id FROM accounts WHERE id = ?", ALI.id)).toEqual([{ id: ALI.id }]);
    expect((await all("SELECT id FROM knowledge_files WHERE account_id = ?", ALI.id)).length).toBe(
      2,
    );
    expect(
      (await all("SELECT stripe_subscription_id FROM subscriptions WHERE account_id = ?", ALI.id))
        .length,
    ).toBe(2);
    // The account's deletion, in turn, takes its rows (the cascade now hangs off accounts).
    await db.prepare("DELETE FROM accounts WHERE id = ?").bind(BEA.id).run();
    expect(await all("SELECT id FROM employees WHERE account_id = ?", BEA.id)).toEqual([]);
    expect(await all("SELECT id FROM chat_views WHERE account_id = ?", BEA.id)).toEqual([]);
    expect(
      await all("SELECT token_hash, active_account_id FROM sessions WHERE user_id = ?", BEA.id),
    ).toEqual([{ token_hash: "h-bea", active_account_id: null }]);
    expect(await all("PRAGMA foreign_key_check")).toEqual([]);
  });
});
