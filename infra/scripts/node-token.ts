// Node tokens for node agents: `npm run node:token -- create <name> | revoke <name> | list`,
// against the local D1 by default, or `--remote` for production (wrangler's own login), or
// `--persist-to DIR` for a local state folder other than .wrangler/state (tests).
// Only a token's SHA-256 is stored; the token itself is printed once, at creation.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { root } from "./project.ts";

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
const json = args.includes("--json");
if (json) args.splice(args.indexOf("--json"), 1);
const [verb, name] = args;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: npm run node:token -- create <name> | revoke <name> | list   [--remote | --persist-to DIR] [--json]",
  );
  process.exit(2);
}

function d1(sql: string): Record<string, unknown>[] {
  const target = remote
    ? ["--remote"]
    : ["--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  const out = execFileSync(
    path.join(root, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", ...target, "--json", "--command", sql],
    {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  const parsed = JSON.parse(out) as { results: Record<string, unknown>[] }[];
  return parsed.flatMap((r) => r.results);
}

switch (verb) {
  case "create": {
    if (!name || !NAME.test(name)) usage("a node name is lowercase letters, digits and dashes");
    const token = `iwn_${randomBytes(32).toString("base64url")}`;
    const hash = createHash("sha256").update(token).digest("hex");
    const id = randomUUID();
    d1(
      `INSERT INTO nodes (id, name, token_hash, created_at) VALUES ('${id}', '${name}', '${hash}', ${Date.now()})`,
    );
    if (json) console.log(JSON.stringify({ id, name, token }));
    else
      console.log(
        `node ${name} (${id})\nNODE_TOKEN=${token}\nKeep it secret: it is shown only now. Put it in the agent's environment file.`,
      );
    break;
  }
  case "revoke": {
    if (!name || !NAME.test(name)) usage("name the node to revoke");
    const rows = d1(
      `UPDATE nodes SET revoked_at = ${Date.now()} WHERE name = '${name}' AND revoked_at IS NULL RETURNING id`,
    );
    if (rows.length === 0) usage(`no active node named ${name}`);
    console.log(`revoked ${name}: its agent is refused from its next connection attempt`);
    break;
  }
  case "list": {
    const rows = d1(
      "SELECT id, name, status, runtime, capacity_slots, used_slots, agent_version, last_seen_at, revoked_at FROM nodes ORDER BY name",
    );
    if (json) console.log(JSON.stringify(rows));
    else console.table(rows);
    break;
  }
  default:
    usage();
}
