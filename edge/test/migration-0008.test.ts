import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../db/client.ts";
import * as schema from "../../db/schema.ts";
import { membershipsOf } from "../store/accounts.ts";
import {
  ALI,
  BEA,
  DAY,
  fillTheOldSchema,
  type Rows,
  T,
  TENANT_TABLES,
  UNTOUCHED_TABLES,
  USERS,
} from "./old-schema-rows.ts";

// Migration 0008 (accounts) against rows made by the schema before it: the database is built
// from migrations 0000–0007 alone, filled the way that code filled it, then migrated as wrangler
// migrates production. Nothing may be lost: each user owns an account of the same id carrying
// what the user carried, every tenant row names that account, sessions and Google links survive.

const db = env.MIGRATION_DB;

const before = env.TEST_MIGRATIONS.filter((m) => m.name < "0008");
const through0008 = env.TEST_MIGRATIONS.filter((m) => m.name < "0009");

const all = async <R = Record<string, unknown>>(sql: string, ...args: unknown[]) =>
  (
    await db
      .prepare(sql)
      .bind(...args)
      .all<R>()
  ).results;

let oldRows: Rows = {};
let untouched: Rows = {};

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
  ({ oldRows, untouched } = await fillTheOldSchema(db));
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
    // With the migrations after it, which the code reads too.
    await applyD1Migrations(db, env.TEST_MIGRATIONS);
    for (const table of Object.values(schema)) {
      if (!is(table, SQLiteTable)) continue;
      const { name, columns } = getTableConfig(table);
      const actual = (
        await all<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
      ).map((c) => c.name);
      expect(`${name}: ${actual.sort()}`).toBe(`${name}: ${columns.map((c) => c.name).sort()}`);
    }
    // The edge's own reads work on the migrated rows (with the later migrations: the code reads
    // the newest schema).
    const [mine] = await membershipsOf(openDb(db), ALI.id);
    expect(mine).toMatchObject({
      role: "owner",
      account: { id: ALI.id, plan: "pro", stripeCustomerId: "cus_ali" },
    });
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
