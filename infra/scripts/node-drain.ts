// Draining a node (issue 16): `npm run node:drain -- <name> [--timeout S]` marks the node draining
// (nodes.draining_at): it takes no new placements, and its NodeDO moves its employees off a few at
// a time (DRAIN_PARALLEL): stop, a final snapshot, restore on another node, start. The NodeDO
// notices within TOKEN_CHECK_INTERVAL_MS (or at once through POST /ops/nodes/:name/drain). This
// script then watches D1 until no employee is placed on the node, printing each move, and exits
// 0; after the timeout (DRAIN_TIMEOUT_MS unless --timeout) it exits 1 naming the employees still
// there. `npm run node:undrain -- <name>` clears the mark: the node takes placements again.
// Against the local D1 by default, `--remote` for production, `--persist-to DIR` for a local
// state folder other than .wrangler/state (tests), like node-token.ts.
import { TOKEN_CHECK_INTERVAL_MS } from "../../edge/objects/node-timeouts.ts";
import { DRAIN_TIMEOUT_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import { d1Command } from "./d1-command.ts";

/** How often the script reads the node's employees while it waits. */
export const DRAIN_POLL_MS = 3_000;

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const remote = args.includes("--remote");
if (remote) args.splice(args.indexOf("--remote"), 1);
const persistTo = flag("--persist-to");
const timeoutFlag = flag("--timeout");
const pollFlag = flag("--poll-ms");
const [verb, name] = args;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: npm run node:drain -- <name> [--timeout S] | npm run node:undrain -- <name>   [--remote | --persist-to DIR]",
  );
  process.exit(2);
}

const d1 = (sql: string) => d1Command({ remote, persistTo }, sql);

interface Placed {
  id: string;
  name: string;
  status: string;
  step: string | null;
}
const str = (v: unknown) => (typeof v === "string" ? v : v == null ? null : String(v));
const time = () => new Date().toISOString().slice(11, 19);
const describe = (e: Placed) => `${e.status}${e.step ? ` (${e.step})` : ""}`;

// The ids are D1's own (uuids), checked before they go into SQL.
const UUID = /^[0-9a-f-]{36}$/;

async function drain(nodeName: string, timeoutMs: number, pollMs: number): Promise<number> {
  const [node] = d1(
    `UPDATE nodes SET draining_at = COALESCE(draining_at, ${Date.now()}) WHERE name = '${nodeName}' AND revoked_at IS NULL RETURNING id`,
  );
  const nodeId = str(node?.id);
  if (!nodeId || !UUID.test(nodeId)) usage(`no active node named ${nodeName}`);
  console.log(
    `${time()} ${nodeName} is draining: no new placements; its employees move off one by one (the edge notices within ${TOKEN_CHECK_INTERVAL_MS / 1000} s)`,
  );
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, Placed>();
  for (;;) {
    const rows = d1(
      `SELECT id, name, status, step FROM employees WHERE node_id = '${nodeId}' ORDER BY created_at`,
    ).map((r) => ({
      id: str(r.id) ?? "",
      name: str(r.name) ?? "",
      status: str(r.status) ?? "",
      step: str(r.step),
    }));
    const [slots] = d1(`SELECT used_slots FROM nodes WHERE id = '${nodeId}'`);
    const here = new Map(rows.map((e) => [e.id, e]));
    for (const e of rows) {
      const before = seen.get(e.id);
      if (!before) console.log(`${time()} ${e.name} (${e.id}): ${describe(e)}`);
      else if (describe(before) !== describe(e))
        console.log(`${time()} ${e.name} (${e.id}): ${describe(before)} → ${describe(e)}`);
      seen.set(e.id, e);
    }
    const gone = [...seen.values()].filter((e) => !here.has(e.id) && UUID.test(e.id));
    if (gone.length) {
      const where = d1(
        `SELECT e.id, e.status, n.name AS node FROM employees e LEFT JOIN nodes n ON n.id = e.node_id WHERE e.id IN (${gone.map((e) => `'${e.id}'`).join(",")})`,
      );
      const by = new Map(where.map((r) => [str(r.id), r]));
      for (const e of gone) {
        const now = by.get(e.id);
        console.log(
          now
            ? `${time()} ${e.name} (${e.id}): moved to ${str(now.node) ?? "no node yet"}, ${str(now.status)}`
            : `${time()} ${e.name} (${e.id}): gone (fired)`,
        );
        seen.delete(e.id);
      }
    }
    if (rows.length === 0) {
      console.log(
        `${time()} ${nodeName} is empty (${Number(slots?.used_slots ?? 0)} slots in use): it can be taken down; \`npm run node:undrain -- ${nodeName}\` lets it take employees again`,
      );
      return 0;
    }
    if (Date.now() >= deadline) {
      console.error(
        `${time()} ${nodeName} still has ${rows.length} employee(s) after ${Math.round(timeoutMs / 1000)} s: ${rows.map((e) => `${e.name} (${e.id}, ${describe(e)})`).join("; ")}. The node stays draining.`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function undrain(nodeName: string): number {
  const rows = d1(
    `UPDATE nodes SET draining_at = NULL WHERE name = '${nodeName}' AND revoked_at IS NULL RETURNING id`,
  );
  if (rows.length === 0) usage(`no active node named ${nodeName}`);
  console.log(
    `${nodeName} takes new placements again (the edge notices within ${TOKEN_CHECK_INTERVAL_MS / 1000} s); a drain in progress stops after the moves under way`,
  );
  return 0;
}

if (!name || !NAME.test(name)) usage("name the node: lowercase letters, digits and dashes");
const seconds = timeoutFlag === undefined ? DRAIN_TIMEOUT_MS / 1000 : Number(timeoutFlag);
if (!Number.isFinite(seconds) || seconds <= 0) usage("--timeout is a number of seconds");
const pollMs = pollFlag === undefined ? DRAIN_POLL_MS : Number(pollFlag);
if (!Number.isInteger(pollMs) || pollMs < 100) usage("--poll-ms is at least 100");
if (verb === "drain") process.exit(await drain(name, seconds * 1000, pollMs));
else if (verb === "undrain") process.exit(undrain(name));
else usage();
