import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { endpoints } from "../../contract/endpoints.ts";

// docs/api.md is the HTTP contract a person reads; edge/contract/endpoints.ts is the one the edge,
// the app and the tests compile against. This keeps the two from drifting: every endpoint of the
// contract is documented with its success status, and the document names none that is not there.
const doc = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/api.md"),
  "utf8",
);

interface Row {
  key: string;
  success: string;
}

// The rows of the first table after `heading`: `| \`METHOD\` | \`/path\` | … | success | … |`.
function tableAfter(heading: string): Row[] {
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/api.md has no section "${heading}"`);
  const rows: Row[] = [];
  let inTable = false;
  for (const line of doc.slice(start).split("\n").slice(1)) {
    if (line.startsWith("|")) {
      inTable = true;
      const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
      const method = /^`([A-Z]+)`$/.exec(cells[1] ?? "")?.[1];
      const route = /^`(\/[^`]*)`$/.exec(cells[2] ?? "")?.[1];
      if (method && route) rows.push({ key: `${method} ${route}`, success: cells[5] ?? "" });
    } else if (inTable) break;
  }
  return rows;
}

const json = tableAfter("## JSON endpoints");
const other = tableAfter("## Other routes");

describe("docs/api.md against the contract module", () => {
  it("documents exactly the contract's JSON endpoints, once each", () => {
    const documented = json.map((r) => r.key);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(endpoints).sort());
  });

  it("gives each endpoint the success status the contract answers with", () => {
    for (const row of json) {
      const status = /^(\d{3})/.exec(row.success)?.[1];
      const endpoint = endpoints[row.key as keyof typeof endpoints];
      expect(`${row.key} ${status}`).toBe(`${row.key} ${endpoint.status}`);
    }
  });

  it("lists the plain routes apart, none of them also a contract endpoint", () => {
    expect(other.length).toBeGreaterThan(0);
    for (const row of other) expect(Object.keys(endpoints)).not.toContain(row.key);
  });
});
