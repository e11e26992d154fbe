import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AUDIT_RETENTION_DAYS, type AuditEventView } from "../contract/audit.ts";
import { AUDIT_CSV_HEADER } from "../services/audit-query.ts";
import { parseCsv } from "./csv-helpers.ts";
import { api, errorOf } from "./helpers.ts";
import { joinAs, person, runCronAt, seedAudit } from "./lifecycle-helpers.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

interface Page {
  events: AuditEventView[];
  nextBefore: string | null;
}

async function audit(cookie: string, query = "", headers: Record<string, string> = {}) {
  return api(`/api/audit${query}`, { cookie, headers });
}
async function page(cookie: string, query = ""): Promise<Page> {
  const res = await audit(cookie, query);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe("GET /api/audit", () => {
  it("filters by action, actor and time, newest first", async () => {
    const owner = await person("audit-filter");
    await seedAudit(owner.accountId, [
      { at: T0, action: "employee.hire", actorEmail: "ann@example.com" },
      { at: T0 + 1000, action: "employee.fire", actorEmail: "bob@example.com" },
      { at: T0 + 2000, action: "employee.hire", actorEmail: "bob@example.com" },
      { at: T0 + 3000, action: "knowledge.upload", actorEmail: null },
    ]);
    const all = await page(owner.cookie);
    const seeded = all.events.filter((e) => Date.parse(e.at) >= T0);
    expect(seeded.map((e) => e.action)).toEqual([
      "knowledge.upload",
      "employee.hire",
      "employee.fire",
      "employee.hire",
    ]);
    expect(seeded[0]?.actor).toBeNull();
    expect(seeded[1]?.actor).toEqual({ userId: "u-seeded", email: "bob@example.com" });

    const hires = await page(owner.cookie, "?action=employee.hire");
    expect(hires.events.map((e) => e.at)).toEqual([iso(T0 + 2000), iso(T0)]);
    const bob = await page(owner.cookie, "?actor=BOB@example.com");
    expect(bob.events.map((e) => e.action)).toEqual(["employee.hire", "employee.fire"]);
    const window = await page(owner.cookie, `?from=${iso(T0 + 1000)}&to=${iso(T0 + 2000)}`);
    expect(window.events.map((e) => e.at)).toEqual([iso(T0 + 2000), iso(T0 + 1000)]);
    expect(window.nextBefore).toBeNull();
  });

  it("pages backwards with nextBefore, never splitting events of the same millisecond", async () => {
    const owner = await person("audit-paging");
    // Ten events; four share one millisecond and straddle the first page's end.
    const moments = [9, 8, 7, 6, 6, 6, 6, 3, 2, 1].map((s) => T0 + s * 1000);
    const ids = await seedAudit(
      owner.accountId,
      moments.map((at) => ({ at })),
    );
    const seen: AuditEventView[] = [];
    let query = `?limit=4&from=${iso(T0)}`;
    let pages = 0;
    for (;;) {
      const p = await page(owner.cookie, query);
      pages++;
      expect(p.events.length).toBeLessThanOrEqual(4);
      seen.push(...p.events);
      if (!p.nextBefore) break;
      query = `?limit=4&from=${iso(T0)}&before=${p.nextBefore}`;
    }
    expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(new Set(seen.map((e) => e.id)).size).toBe(ids.length);
    const times = seen.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("answers CSV with quoting and spreadsheet formulas neutralised", async () => {
    const owner = await person("audit-csv");
    await seedAudit(owner.accountId, [
      {
        at: T0,
        action: "employee.update",
        actorEmail: "ann@example.com",
        targetType: "employee",
        targetId: "@SUM(A1:A9)",
        detail: { name: 'Ada, "the first"' },
        ip: "-2+3",
        userAgent: '=HYPERLINK("http://evil.example","click")',
      },
      { at: T0 + 1000, action: "employee.hire", userAgent: "line one\nline two" },
    ]);
    const res = await audit(owner.cookie, `?format=csv&from=${iso(T0)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const date = new Date().toISOString().slice(0, 10);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="audit-${owner.accountId}-${date}.csv"`,
    );
    const text = await res.text();
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...AUDIT_CSV_HEADER]);
    expect(rows).toHaveLength(3);
    const [newer, older] = [rows[1] ?? [], rows[2] ?? []];
    expect(newer[8]).toBe("line one\nline two");
    expect(older.slice(0, 9)).toEqual([
      iso(T0),
      "ann@example.com",
      "u-seeded",
      "employee.update",
      "employee",
      "'@SUM(A1:A9)",
      '{"name":"Ada, \\"the first\\""}',
      "'-2+3",
      `'=HYPERLINK("http://evil.example","click")`,
    ]);
    // The raw text: the formula cell is quoted (it holds quotes and a comma) and starts with '.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);

    const byAccept = await audit(owner.cookie, `?from=${iso(T0)}`, { accept: "text/csv" });
    expect(byAccept.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await byAccept.text()).toBe(text);
    const jsonAnyway = await audit(owner.cookie, `?format=json&from=${iso(T0)}`, {
      accept: "text/csv",
    });
    expect(jsonAnyway.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("lets the owner and admins read, answers a member 403, and shows a stranger only their own", async () => {
    const owner = await person("audit-owner");
    const [admin, member, stranger] = await Promise.all([
      person("audit-admin"),
      person("audit-member"),
      person("audit-stranger"),
    ]);
    await joinAs(admin, owner.accountId, "admin");
    await joinAs(member, owner.accountId, "member");
    const [mine] = await seedAudit(owner.accountId, [{ at: T0, action: "member.join" }]);
    await seedAudit(stranger.accountId, [{ at: T0, action: "billing.checkout" }]);

    const asOwner = await page(owner.cookie);
    expect(asOwner.events.map((e) => e.id)).toContain(mine);
    const asAdmin = await page(admin.cookie);
    expect(asAdmin.events.map((e) => e.id)).toContain(mine);
    for (const query of ["", "?format=csv"]) {
      const res = await audit(member.cookie, query);
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden_role");
    }
    const asStranger = await page(stranger.cookie);
    expect(asStranger.events.map((e) => e.action)).toEqual(["billing.checkout"]);
    expect((await audit("", "")).status).toBe(401);
  });

  it("refuses a malformed query with 400 naming the field", async () => {
    const owner = await person("audit-bad");
    for (const [query, field] of [
      ["?limit=501", "limit"],
      ["?limit=0", "limit"],
      ["?from=yesterday", "from"],
      ["?before=1", "before"],
      ["?format=xml", "format"],
    ] as const) {
      const res = await audit(owner.cookie, query);
      expect(res.status, query).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_input");
      expect(Object.keys(error.fields ?? {})).toContain(field);
    }
  });
});

describe("audit retention", () => {
  it("drops events older than a year on the cron and keeps the rest", async () => {
    const owner = await person("audit-retention");
    const now = Date.now();
    const [old, recent] = await seedAudit(owner.accountId, [
      { at: now - (AUDIT_RETENTION_DAYS + 1) * DAY },
      { at: now - (AUDIT_RETENTION_DAYS - 1) * DAY },
    ]);
    await runCronAt(now);
    const left = await env.DB.prepare("SELECT id FROM audit_events WHERE account_id = ?")
      .bind(owner.accountId)
      .all<{ id: string }>();
    const ids = left.results.map((r) => r.id);
    expect(ids).toContain(recent);
    expect(ids).not.toContain(old);
  });
});
