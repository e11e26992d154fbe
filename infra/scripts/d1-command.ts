import { execFileSync } from "node:child_process";
import path from "node:path";
import { root } from "./project.ts";

// One SQL statement against the edge's D1 through wrangler, for the operator scripts
// (node-token.ts, node-drain.ts): the remote database with --remote, else the local one
// (wrangler's own state, or the one under --persist-to). Its rows, from every statement.
export interface D1Target {
  remote: boolean;
  persistTo?: string | undefined;
}

export function d1Command(target: D1Target, sql: string): Record<string, unknown>[] {
  const where = target.remote
    ? ["--remote"]
    : ["--local", ...(target.persistTo ? ["--persist-to", target.persistTo] : [])];
  const out = execFileSync(
    path.join(root, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", ...where, "--json", "--command", sql],
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
