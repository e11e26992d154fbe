import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_CSV_HEADER, LEDGER_CSV_MAX_ROWS } from "../services/ledger.ts";
import { parseCsv } from "./csv-helpers.ts";
import { api, hire, removeAllEmployees } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";
import { entryAt, entryStatement, ledger } from "./trust-helpers.ts";

// GET /api/employees/:id/ledger?format=csv: a spreadsheet's download of the filtered ledger,
// streamed from D1 a batch at a time; titles come from customers and strangers (a channel
// conversation's first words), so a cell that would run as a formula is written as text.

let team: Team;
let employeeId: string;
const T0 = Date.parse("2026-06-01T08:00:00.000Z");

beforeAll(async () => {
  team = await buildTeam("ledger-csv");
  await setPlan(team.accountId, "business");
  employeeId = (await hire(team.owner.cookie, { name: "Counter" })).id;
});
afterAll(removeAllEmployees);

const csv = (query: string, cookie = team.member.cookie, id = employeeId) =>
  api(`/api/employees/${id}/ledger?format=csv${query}`, { cookie });

describe("the ledger as CSV", () => {
  it("writes a header, one row per entry, and hostile titles as text", async () => {
    const hostile = [
      "=cmd|' /C calc'!A0",
      "+SUM(1,2)",
      "-2+3",
      "@import",
      'Say "hi", then\r\nleave',
    ];
    for (const [i, title] of hostile.entries())
      await entryAt(team.accountId, employeeId, {
        startedAt: T0 + i * 1000,
        title,
        kind: "channel",
        promptTokens: 10 * i,
        costMicroEur: 12_345,
      });
    const res = await csv(
      `&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 10_000).toISOString()}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="ledger-.+\.csv"$/,
    );
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...LEDGER_CSV_HEADER]);
    const titles = rows.slice(1).map((r) => r[LEDGER_CSV_HEADER.indexOf("title")]);
    // Newest first; formula leads get a quote in front, quotes and line breaks survive.
    expect(titles).toEqual([
      'Say "hi", then\r\nleave',
      "'@import",
      "'-2+3",
      "'+SUM(1,2)",
      "'=cmd|' /C calc'!A0",
    ]);
    const first = rows[1] ?? [];
    expect(first[LEDGER_CSV_HEADER.indexOf("kind")]).toBe("channel");
    expect(first[LEDGER_CSV_HEADER.indexOf("prompt_tokens")]).toBe("40");
    expect(first[LEDGER_CSV_HEADER.indexOf("cost_cents")]).toBe("1.2345");
    expect(first[LEDGER_CSV_HEADER.indexOf("started_at")]).toBe(new Date(T0 + 4000).toISOString());
  });

  it("applies the filters, and answers 404 to a stranger", async () => {
    const id = (await hire(team.owner.cookie, { name: "Filtered" })).id;
    await entryAt(team.accountId, id, { startedAt: T0, kind: "heartbeat" });
    await entryAt(team.accountId, id, { startedAt: T0 + 1, kind: "chat", outcome: "failed" });
    const rows = parseCsv(await (await csv("&kind=chat", team.member.cookie, id)).text());
    expect(rows.slice(1).map((r) => r[LEDGER_CSV_HEADER.indexOf("outcome")])).toEqual(["failed"]);
    expect((await csv("", team.stranger.cookie, id)).status).toBe(404);
    expect((await csv("&kind=nap", team.member.cookie, id)).status).toBe(400);
  });

  it(`holds at most ${LEDGER_CSV_MAX_ROWS} rows, newest first, of a longer ledger`, async () => {
    const id = (await hire(team.owner.cookie, { name: "Busy" })).id;
    const count = LEDGER_CSV_MAX_ROWS + 50;
    const statements = Array.from({ length: count }, (_, i) =>
      entryStatement(team.accountId, id, {
        startedAt: T0 + i * 60_000,
        kind: i % 3 === 0 ? "schedule" : "chat",
        title: `Task number ${i}`,
        promptTokens: i,
      }),
    );
    for (let i = 0; i < statements.length; i += 500)
      await env.DB.batch(statements.slice(i, i + 500));

    let t = performance.now();
    const page = await ledger(team.member.cookie, id, { limit: "100" });
    const pageMs = performance.now() - t;
    t = performance.now();
    const filtered = await ledger(team.member.cookie, id, { kind: "schedule", limit: "500" });
    const filteredMs = performance.now() - t;
    expect(page).toHaveLength(100);
    expect(filtered).toHaveLength(500);

    t = performance.now();
    const res = await csv("", team.member.cookie, id);
    const text = await res.text();
    const csvMs = performance.now() - t;
    const rows = parseCsv(text);
    expect(rows).toHaveLength(LEDGER_CSV_MAX_ROWS + 1);
    // Newest first: the 50 oldest are the ones left out.
    expect(rows[1]?.[LEDGER_CSV_HEADER.indexOf("title")]).toBe(`Task number ${count - 1}`);
    expect(rows.at(-1)?.[LEDGER_CSV_HEADER.indexOf("title")]).toBe("Task number 50");
    console.log(
      `ledger of ${count} entries: page of 100 in ${pageMs.toFixed(0)} ms, 500 schedule entries in ${filteredMs.toFixed(0)} ms, CSV of ${rows.length - 1} rows (${text.length} bytes) in ${csvMs.toFixed(0)} ms`,
    );
  });
});
