// Rows as the schema of migrations 0000–0007 held them, written the way that code wrote them,
// for the migration test of 0008 (migration-0008.test.ts).

export const DAY = 86_400_000;
export const T = Date.parse("2026-05-01T08:00:00.000Z");

// One paying and two trial users as 0000–0007 stored them; Bea has no name, Cem only blanks.
export const USERS = [
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
export const [ALI, BEA] = USERS;

async function insert(db: D1Database, table: string, row: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(row);
  await db
    .prepare(
      `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
    )
    .bind(...Object.values(row))
    .run();
}

// The tenant rows of each table as they were, keyed by table: after the migration the same rows
// must be there with account_id where user_id was.
export const TENANT_TABLES = [
  "employees",
  "knowledge_files",
  "llm_keys",
  "llm_usage",
  "subscriptions",
  "chat_views",
];
export const UNTOUCHED_TABLES = [
  "oauth_accounts",
  "nodes",
  "login_tokens",
  "dev_mail",
  "stripe_events",
];

export type Rows = Record<string, Record<string, unknown>[]>;

/** Fills the old schema; answers each tenant table's and each untouched table's rows as made. */
export async function fillTheOldSchema(
  db: D1Database,
): Promise<{ oldRows: Rows; untouched: Rows }> {
  const all = async (sql: string) => (await db.prepare(sql).all<Record<string, unknown>>()).results;
  const oldRows: Rows = {};
  const untouched: Rows = {};
  for (const u of USERS) await insert(db, "users", u);
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
  for (const s of sessions) await insert(db, "sessions", s);
  await insert(db, "oauth_accounts", {
    provider: "google",
    provider_user_id: "g-ali",
    user_id: ALI.id,
    email: ALI.email,
    created_at: T,
  });
  await insert(db, "nodes", {
    id: "node-1",
    name: "n1",
    token_hash: "nh",
    created_at: T,
    status: "online",
    capacity_slots: 4,
    used_slots: 2,
    runtime: "runsc",
  });
  await insert(db, "login_tokens", {
    token_hash: "lt",
    email: BEA.email,
    created_at: T,
    expires_at: T + 900_000,
  });
  await insert(db, "dev_mail", {
    id: "m1",
    to: BEA.email,
    subject: "Sign in",
    text: "…",
    link: null,
    sent_at: T,
  });
  await insert(db, "stripe_events", {
    id: "evt_1",
    type: "invoice.paid",
    created: 1,
    received_at: T,
  });
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
    await insert(db, "employees", e);
  for (const [id, folder, name] of [
    ["k1", "team", "handbook.md"],
    ["k2", ada, "notes.txt"],
  ])
    await insert(db, "knowledge_files", {
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
  await insert(db, "llm_keys", {
    key_hash: "kh-ada",
    employee_id: ada,
    user_id: ALI.id,
    created_at: T,
    revoked_at: null,
  });
  await insert(db, "llm_keys", {
    key_hash: "kh-cy",
    employee_id: cy,
    user_id: BEA.id,
    created_at: T,
    revoked_at: T + 5,
  });
  await insert(db, "llm_usage", {
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
  await insert(db, "subscriptions", {
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
  await insert(db, "subscriptions", {
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
  await insert(db, "chat_views", { id: "cv1", user_id: BEA.id, employee_id: cy, opened_at: T });
  for (const t of TENANT_TABLES) oldRows[t] = await all(`SELECT * FROM ${t} ORDER BY rowid`);
  for (const t of UNTOUCHED_TABLES) untouched[t] = await all(`SELECT * FROM ${t} ORDER BY rowid`);
  return { oldRows, untouched };
}
