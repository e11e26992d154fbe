// Node tokens for node agents: `npm run node:token -- create <name> [--slots N] | slots <name> <N>
// | revoke <name> | list`, against the local D1 by default, or `--remote` for production
// (wrangler's own login), or `--persist-to DIR` for a local state folder other than
// .wrangler/state (tests).
// Only a token's SHA-256 is stored; the token itself is printed once, at creation. Its slots are
// the most employees the node may take whatever its agent reports. The edge reads the row while
// the agent is connected (TOKEN_CHECK_INTERVAL_MS), so a revocation closes the agent's socket
// within seconds and new slots apply as fast.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_NODE_SLOTS } from "../../db/nodes/nodes.ts";
import { TOKEN_CHECK_INTERVAL_MS } from "../../edge/objects/node-timeouts.ts";
import { Capacity } from "../../edge/protocol/frames.ts";
import { d1Command } from "./d1-command.ts";

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
const slotsFlag = flag("--slots");
const json = args.includes("--json");
if (json) args.splice(args.indexOf("--json"), 1);
const [verb, name, slotsArg] = args;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: npm run node:token -- create <name> [--slots N] | slots <name> <N> | revoke <name> | list   [--remote | --persist-to DIR] [--json]",
  );
  process.exit(2);
}

// The same bounds the protocol puts on a reported capacity.
function slots(raw: string | undefined): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw ?? "") || !Capacity.shape.slots.safeParse(n).success)
    usage(`slots are a whole number from 0 to ${Capacity.shape.slots.maxValue}`);
  return n;
}

const d1 = (sql: string) => d1Command({ remote, persistTo }, sql);

switch (verb) {
  case "create": {
    if (!name || !NAME.test(name)) usage("a node name is lowercase letters, digits and dashes");
    const maxSlots = slotsFlag === undefined ? DEFAULT_NODE_SLOTS : slots(slotsFlag);
    const token = `iwn_${randomBytes(32).toString("base64url")}`;
    const hash = createHash("sha256").update(token).digest("hex");
    const id = randomUUID();
    d1(
      `INSERT INTO nodes (id, name, token_hash, created_at, max_slots) VALUES ('${id}', '${name}', '${hash}', ${Date.now()}, ${maxSlots})`,
    );
    if (json) console.log(JSON.stringify({ id, name, token, slots: maxSlots }));
    else
      console.log(
        `node ${name} (${id}), at most ${maxSlots} employees\nNODE_TOKEN=${token}\nKeep it secret: it is shown only now. Put it in the agent's environment file.`,
      );
    break;
  }
  case "slots": {
    if (!name || !NAME.test(name)) usage("name the node");
    const maxSlots = slots(slotsArg);
    const rows = d1(
      `UPDATE nodes SET max_slots = ${maxSlots} WHERE name = '${name}' AND revoked_at IS NULL RETURNING id`,
    );
    if (rows.length === 0) usage(`no active node named ${name}`);
    console.log(
      `${name} takes at most ${maxSlots} employees from now on (a connected agent within ${TOKEN_CHECK_INTERVAL_MS / 1000} s); employees already placed stay`,
    );
    break;
  }
  case "revoke": {
    if (!name || !NAME.test(name)) usage("name the node to revoke");
    const rows = d1(
      `UPDATE nodes SET revoked_at = ${Date.now()} WHERE name = '${name}' AND revoked_at IS NULL RETURNING id`,
    );
    if (rows.length === 0) usage(`no active node named ${name}`);
    console.log(
      `revoked ${name}: a connected agent is disconnected within ${TOKEN_CHECK_INTERVAL_MS / 1000} s and sent nothing more, and every connection or file download is refused`,
    );
    break;
  }
  case "list": {
    const rows = d1(
      "SELECT id, name, status, runtime, max_slots, capacity_slots, used_slots, agent_version, last_seen_at, revoked_at FROM nodes ORDER BY name",
    );
    if (json) console.log(JSON.stringify(rows));
    else console.table(rows);
    break;
  }
  default:
    usage();
}
