// `npm run dev`: the whole product on this machine with embedded defaults: local D1, Durable
// Objects and R2 under .wrangler/, the development mailer (links at /api/dev/mailbox and in this
// console). Ctrl-C stops everything it started.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { root } from "./project.ts";

const EDGE_PORT = Number(process.env.PORT ?? 8787);
const EDGE_URL = `http://localhost:${EDGE_PORT}`;
const READY_TIMEOUT_MS = 60_000;
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const children: ChildProcess[] = [];

function stopAll(code: number): never {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  stdio: "inherit",
});
if (migrate.status !== 0) {
  console.error("[dev] applying the local D1 migrations failed");
  process.exit(1);
}

const edge = spawn(
  wrangler,
  [
    "dev",
    "--port",
    String(EDGE_PORT),
    "--ip",
    "127.0.0.1",
    "--var",
    "ENVIRONMENT:development",
    "--var",
    `APP_URL:${EDGE_URL}`,
    "--var",
    "VERSION:dev",
  ],
  { cwd: root, stdio: "inherit" },
);
children.push(edge);
edge.on("exit", (code) => {
  console.error(`[dev] the edge Worker exited (${code}); stopping`);
  stopAll(code ?? 1);
});

async function waitFor(url: string): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

if (!(await waitFor(`${EDGE_URL}/api/health`))) {
  console.error(
    `[dev] the edge did not answer ${EDGE_URL}/api/health within ${READY_TIMEOUT_MS / 1000} s`,
  );
  stopAll(1);
}
console.log(`
  InstantWorker is running locally
    edge API      ${EDGE_URL}/api/health
    catalogue     ${EDGE_URL}/api/catalogue
    dev mailbox   ${EDGE_URL}/api/dev/mailbox?email=you@example.com
  Sign in: curl -X POST ${EDGE_URL}/api/auth/magic-link -H 'content-type: application/json' -d '{"email":"you@example.com"}'
  then open the link printed above (or in the mailbox).
`);
