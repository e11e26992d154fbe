import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AuditQuery } from "../contract/audit.ts";
import { parseConfig } from "../env.ts";
import { createLogger } from "../log/logger.ts";
import { AUDIT_CSV_HEADER, AUDIT_CSV_MAX_ROWS, auditCsv } from "../services/audit-query.ts";
import { createDeps } from "../services/deps.ts";
import { parseCsv } from "./csv-helpers.ts";
import { api } from "./helpers.ts";
import { person } from "./lifecycle-helpers.ts";

// GET /api/audit?format=csv over a log larger than one answer: written as it is read from D1,
// a batch at a time, and still whole, in order, quoted, and ending where X-Next-Before says.

const T0 = Date.UTC(2026, 3, 1);
const TOTAL = AUDIT_CSV_MAX_ROWS + 50;
// Rows (oldest first) 45..55 share one millisecond; the 10,000th newest (row 50) falls inside it.
const atOf = (i: number) => T0 + (i >= 45 && i <= 55 ? 45 : i) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

async function seedMany(accountId: string): Promise<void> {
  const insert = env.DB.prepare(
    `INSERT INTO audit_events (id, account_id, at, actor_email, action, detail, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let from = 0; from < TOTAL; from += 500) {
    const batch = [];
    for (let i = from; i < Math.min(from + 500, TOTAL); i++)
      batch.push(
        insert.bind(
          `${String(i).padStart(6, "0")}-${crypto.randomUUID()}`,
          accountId,
          atOf(i),
          "ann@example.com",
          "knowledge.upload",
          JSON.stringify({ names: [`row ${i}, "quoted"`, "a\nb"] }),
          `=cmd|'/c calc'!A${i}`,
        ),
      );
    await env.DB.batch(batch);
  }
}

describe("audit CSV", () => {
  it("streams a large log whole, quoted, and ends where X-Next-Before says", {
    timeout: 60_000,
  }, async () => {
    const owner = await person("audit-stream");
    await seedMany(owner.accountId);

    const res = await api(`/api/audit?format=csv&from=${iso(T0)}`, { cookie: owner.cookie });
    expect(res.status).toBe(200);
    // The answer does not end inside the millisecond group: it stops above row 45.
    expect(res.headers.get("x-next-before")).toBe(iso(atOf(45) + 1));
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...AUDIT_CSV_HEADER]);
    const body = rows.slice(1);
    expect(body).toHaveLength(TOTAL - 56);
    const newest = body[0] ?? [];
    expect(newest[0]).toBe(iso(atOf(TOTAL - 1)));
    expect(newest[6]).toBe(JSON.stringify({ names: [`row ${TOTAL - 1}, "quoted"`, "a\nb"] }));
    expect(newest[8]).toBe(`'=cmd|'/c calc'!A${TOTAL - 1}`);
    const times = body.map((r) => Date.parse(r[0] ?? ""));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const rest = await api(
      `/api/audit?format=csv&from=${iso(T0)}&before=${res.headers.get("x-next-before")}`,
      { cookie: owner.cookie },
    );
    expect(rest.headers.get("x-next-before")).toBeNull();
    const older = parseCsv(await rest.text()).slice(1);
    expect(older).toHaveLength(56);
    const ids = [...body, ...older].map((r) => r[9]);
    expect(new Set(ids).size).toBe(TOTAL);
  });

  it("reads D1 a batch at a time as the body is pulled", async () => {
    const owner = await person("audit-stream-pull");
    await seedMany(owner.accountId);
    const deps = createDeps(env, parseConfig(env), createLogger({ test: "audit-csv" }));
    const actor = {
      ...owner,
      email: owner.email,
      role: "owner" as const,
      ip: null,
      userAgent: null,
    };
    const { body } = await auditCsv(deps, actor, AuditQuery.parse({ from: iso(T0) }));
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const header = await reader.read();
    expect(decoder.decode(header.value)).toBe(`${AUDIT_CSV_HEADER.join(",")}\r\n`);
    const batch = await reader.read();
    const rows = decoder.decode(batch.value).match(/,knowledge\.upload,/g) ?? [];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(100);
    await reader.cancel();
  });
});
