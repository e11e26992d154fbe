// `npm run node:drain` / `node:undrain` against a local D1 (wrangler's own, in a folder of its
// own): the mark is set and cleared, each move is printed, the script exits 0 once the node has
// no employee and 1 after its timeout naming the ones still there. The edge's moving of the
// employees is played by this test, writing D1 as the NodeDO and EmployeeDO would.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const persist = mkdtempSync(path.join(tmpdir(), "iw-drain-"));
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

function d1(sql: string): Record<string, unknown>[] {
  const out = execFileSync(
    wrangler,
    ["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command", sql],
    { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return (JSON.parse(out) as { results: Record<string, unknown>[] }[]).flatMap((r) => r.results);
}

function script(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "infra/scripts/node-drain.ts"), ...args, "--persist-to", persist],
      { cwd: root, env },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    child.stderr.on("data", (b) => {
      err += b;
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

const A = crypto.randomUUID();
const B = crypto.randomUUID();
const ACCOUNT = crypto.randomUUID();
const E1 = crypto.randomUUID();
const E2 = crypto.randomUUID();
const drainingAt = () => d1(`SELECT draining_at FROM nodes WHERE id = '${A}'`)[0]?.draining_at;

beforeAll(() => {
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: root,
    env,
    stdio: "ignore",
  });
  const now = Date.now();
  d1(
    `INSERT INTO nodes (id, name, token_hash, created_at, status, used_slots) VALUES ('${A}', 'drain-a', '${crypto.randomUUID()}', ${now}, 'online', 2), ('${B}', 'drain-b', '${crypto.randomUUID()}', ${now}, 'online', 0);
     INSERT INTO accounts (id, name, trial_ends_at, created_at) VALUES ('${ACCOUNT}', 'Drain', ${now + 86_400_000}, ${now});
     INSERT INTO employees (id, account_id, name, role, tone, skills, status, node_id, created_at, updated_at) VALUES
       ('${E1}', '${ACCOUNT}', 'Ada', 'assistant', 'friendly', '[]', 'running', '${A}', ${now}, ${now}),
       ('${E2}', '${ACCOUNT}', 'Bo', 'assistant', 'friendly', '[]', 'running', '${A}', ${now + 1}, ${now});`,
  );
}, 120_000);
afterAll(() => rmSync(persist, { recursive: true, force: true }));

describe("npm run node:drain", () => {
  it("times out naming the employees still on the node, which stays draining", async () => {
    const r = await script("drain", "drain-a", "--timeout", "1", "--poll-ms", "200");
    expect(r.code).toBe(1);
    expect(r.out).toContain("drain-a is draining");
    expect(r.out).toContain(`Ada (${E1}): running`);
    expect(r.err).toMatch(/still has 2 employee\(s\).*Ada.*Bo/);
    expect(drainingAt()).toEqual(expect.any(Number));
  }, 120_000);

  it("prints each move and exits 0 once the node is empty; undrain clears the mark", async () => {
    const first = drainingAt();
    const run = script("drain", "drain-a", "--timeout", "120", "--poll-ms", "300");
    // The edge at work: Ada stops for her final snapshot and moves to B; Bo is fired.
    await new Promise((r) => setTimeout(r, 4000));
    d1(`UPDATE employees SET status = 'restoring', step = 'taking_snapshot' WHERE id = '${E1}'`);
    await new Promise((r) => setTimeout(r, 4000));
    d1(
      `UPDATE employees SET status = 'running', step = NULL, node_id = '${B}' WHERE id = '${E1}'; DELETE FROM employees WHERE id = '${E2}'; UPDATE nodes SET used_slots = 0 WHERE id = '${A}';`,
    );
    const r = await run;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Ada (${E1}): running → restoring (taking_snapshot)`);
    expect(r.out).toContain(`Ada (${E1}): moved to drain-b, running`);
    expect(r.out).toContain(`Bo (${E2}): gone (fired)`);
    expect(r.out).toContain("drain-a is empty");
    // A second drain keeps the first one's time.
    expect(drainingAt()).toBe(first);

    const u = await script("undrain", "drain-a");
    expect(u.code).toBe(0);
    expect(drainingAt()).toBeNull();
  }, 180_000);

  it("refuses an unknown or malformed node name", async () => {
    expect((await script("drain", "no-such-node", "--timeout", "1")).code).toBe(2);
    expect((await script("undrain", "Bad_Name")).code).toBe(2);
  }, 60_000);
});
