// `npm run dev`: the whole product on this machine with embedded defaults: local D1, Durable
// Objects and R2 under .wrangler/, the development mailer (links at /api/dev/mailbox and in this
// console), and, unless a provider is configured, the development model on loopback. Ctrl-C
// stops everything it started.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { configuredVar } from "../../testing/stand-ins/configured-var.ts";
import { startDevModel } from "../../testing/stand-ins/dev-model-server.ts";
import { startStandIns } from "../../testing/stand-ins/stand-in-server.ts";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
  setStripeWebhookUrl,
} from "../../testing/stand-ins/stripe-stand-in.ts";
import { startDevProxy } from "./dev-proxy.ts";
import { root } from "./project.ts";

// One public URL (PORT, default 8787) in front of the edge and the app's dev server.
const PUBLIC_PORT = Number(process.env.PORT ?? 8787);
const PUBLIC_URL = `http://localhost:${PUBLIC_PORT}`;
const EDGE_PORT = PUBLIC_PORT + 1;
const EDGE_URL = `http://127.0.0.1:${EDGE_PORT}`;
const APP_PORT = PUBLIC_PORT + 2;
const ACCESS_PORT = PUBLIC_PORT + 3;
// Local state (D1, Durable Objects, the dev node token): .wrangler/ by default; tests use their own.
const STATE_DIR = process.env.IW_STATE_DIR;
const persist = STATE_DIR ? ["--persist-to", STATE_DIR] : [];
const READY_TIMEOUT_MS = 60_000;
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const children: ChildProcess[] = [];
const servers: { close(): void }[] = [];

function stopAll(code: number): never {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  for (const server of servers) server.close();
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  cwd: root,
  stdio: "inherit",
});
if (migrate.status !== 0) {
  console.error("[dev] applying the local D1 migrations failed");
  process.exit(1);
}

// Chat and browser access: a signing pair made once per state folder; the edge signs, the
// agent's access proxy verifies, on http://<employee>.gw.localhost:<ACCESS_PORT>.
const accessFile = path.join(STATE_DIR ?? path.join(root, ".wrangler"), "dev-access-keys.json");
if (!existsSync(accessFile)) {
  const pair = generateKeyPairSync("ed25519");
  mkdirSync(path.dirname(accessFile), { recursive: true });
  writeFileSync(
    accessFile,
    JSON.stringify({
      signing: pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
      verify: (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
        .subarray(12)
        .toString("base64"),
    }),
  );
}
const accessKeys = JSON.parse(readFileSync(accessFile, "utf8")) as {
  signing: string;
  verify: string;
};

// The model behind the edge's LLM gateway: the provider in .dev.vars (or .env, which wrangler
// reads when there is no .dev.vars), or else the development model (testing/stand-ins/
// dev-model.ts), so a hired employee answers in chat with nothing configured.
const varsFile = [".dev.vars", ".env"].map((name) => path.join(root, name)).find(existsSync);
const varsText = varsFile ? readFileSync(varsFile, "utf8") : undefined;
const providerConfigured = configuredVar("LLM_UPSTREAM_KEY", varsText, {});
const devModel = providerConfigured ? undefined : await startDevModel();
const modelVars = devModel
  ? ["--var", `LLM_UPSTREAM_URL:${devModel.baseUrl}`, "--var", `LLM_UPSTREAM_KEY:${devModel.key}`]
  : [];

// Billing: the Stripe account in .dev.vars / .env, or else the Stripe stand-in on loopback
// (testing/stand-ins/stripe-stand-in.ts), whose Checkout page takes the payment and sends the
// signed webhooks to this edge, so an upgrade works with nothing configured.
// A real key anywhere (testing/stand-ins/configured-var.ts) keeps the stand-in off: its --var
// values would override it.
const stripeConfigured = configuredVar("STRIPE_SECRET_KEY", varsText);
const stripeStandIn = stripeConfigured ? undefined : await startStandIns();
if (stripeStandIn) {
  servers.push(stripeStandIn.server);
  setStripeWebhookUrl(`${EDGE_URL}/api/stripe/webhook`);
}
const stripeVars = stripeStandIn
  ? [
      ["STRIPE_SECRET_KEY", STRIPE_SECRET_KEY],
      ["STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET],
      ["STRIPE_API_URL", stripeStandIn.url],
      ["STRIPE_PRICE_STARTER", STRIPE_PRICES.starter],
      ["STRIPE_PRICE_PRO", STRIPE_PRICES.pro],
      ["STRIPE_PRICE_BUSINESS", STRIPE_PRICES.business],
    ].flatMap(([name, value]) => ["--var", `${name}:${value}`])
  : [];

// Channels (issue 17). Their credentials are sealed with CHANNEL_SECRETS_KEY: a key made once
// per state folder unless one is configured (a new key would lose the saved channels). Employees'
// addresses are <name>@employees.localhost unless EMPLOYEE_MAIL_DOMAIN says otherwise; mail reaches
// them through wrangler's local email handler on the one URL (printed below). The trusted
// authserv-id is Email Routing's, so a test message carrying its Authentication-Results line with
// dmarc=pass comes from a verified sender (a member, when it is the member's address).
const channelKeyFile = path.join(STATE_DIR ?? path.join(root, ".wrangler"), "dev-channel-key");
if (!existsSync(channelKeyFile)) writeFileSync(channelKeyFile, randomBytes(32).toString("base64"));
const mailDomainConfigured = configuredVar("EMPLOYEE_MAIL_DOMAIN", varsText);
const DEV_AUTHSERV_ID = "mx.cloudflare.net";
// edge/env.ts DEV_EMPLOYEE_MAIL_DOMAIN (that module is the Worker's: workerd types, not Node's).
const DEV_EMPLOYEE_MAIL_DOMAIN = "employees.localhost";
const channelVars = [
  ...(configuredVar("CHANNEL_SECRETS_KEY", varsText)
    ? []
    : [["CHANNEL_SECRETS_KEY", readFileSync(channelKeyFile, "utf8").trim()]]),
  ...(mailDomainConfigured ? [] : [["EMPLOYEE_MAIL_DOMAIN", DEV_EMPLOYEE_MAIL_DOMAIN]]),
  ...(configuredVar("EMAIL_TRUSTED_AUTHSERV_ID", varsText)
    ? []
    : [["EMAIL_TRUSTED_AUTHSERV_ID", DEV_AUTHSERV_ID]]),
].flatMap(([name, value]) => ["--var", `${name}:${value}`]);
const mailDomain = mailDomainConfigured ? "<EMPLOYEE_MAIL_DOMAIN>" : DEV_EMPLOYEE_MAIL_DOMAIN;

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
    `APP_URL:${PUBLIC_URL}`,
    "--var",
    "VERSION:dev",
    "--var",
    `ACCESS_SIGNING_KEY:${accessKeys.signing}`,
    "--var",
    `ACCESS_URL_TEMPLATE:http://{employee}.{service}.localhost:${ACCESS_PORT}`,
    ...modelVars,
    ...stripeVars,
    ...channelVars,
    ...persist,
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

const app = spawn(
  path.join(root, "node_modules/.bin/vite"),
  ["dev", "--port", String(APP_PORT), "--strictPort", "--host", "127.0.0.1"],
  // Not PORT: Nitro would take it for the app's own port.
  {
    cwd: path.join(root, "app"),
    stdio: "inherit",
    env: { ...process.env, PORT: undefined, EDGE_INTERNAL_URL: EDGE_URL },
  },
);
children.push(app);
app.on("exit", (code) => {
  console.error(`[dev] the app's dev server exited (${code}); stopping`);
  stopAll(code ?? 1);
});
await startDevProxy({
  port: PUBLIC_PORT,
  edge: { host: "127.0.0.1", port: EDGE_PORT },
  app: { host: "127.0.0.1", port: APP_PORT },
});
if (!(await waitFor(`http://127.0.0.1:${APP_PORT}/`))) {
  console.error("[dev] the app's dev server did not answer");
  stopAll(1);
}

// The local node: a token made once and kept under .wrangler/ (local state, gitignored).
const tokenFile = path.join(STATE_DIR ?? path.join(root, ".wrangler"), "dev-node.json");
let node: { id: string; token: string } | undefined;
if (existsSync(tokenFile)) node = JSON.parse(readFileSync(tokenFile, "utf8"));
const known =
  node &&
  spawnSync(
    process.execPath,
    [path.join(root, "infra/scripts/node-token.ts"), "list", "--json", ...persist],
    {
      cwd: root,
      encoding: "utf8",
    },
  ).stdout.includes(node.id);
if (!known) {
  const made = spawnSync(
    process.execPath,
    [
      path.join(root, "infra/scripts/node-token.ts"),
      "create",
      `dev-${Date.now().toString(36)}`,
      "--json",
      ...persist,
    ],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  if (made.status !== 0) {
    console.error("[dev] could not create a local node token");
    stopAll(1);
  }
  node = JSON.parse(made.stdout) as { id: string; token: string };
  mkdirSync(path.dirname(tokenFile), { recursive: true });
  writeFileSync(tokenFile, JSON.stringify(node));
}

// Docker when an engine answers, otherwise employees run as local processes; the agent says
// which. With Docker, employees are the real OpenClaw image (built on first use, a few minutes;
// reused after), unless DEV_EMPLOYEE=test asks for the one-second stand-in the UI tests use.
const dockerUp = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const standIn = process.env.DEV_EMPLOYEE === "test";
let employeeImage = process.env.EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
if (dockerUp && standIn)
  spawnSync("bash", [path.join(root, "infra/scripts/build-test-image.sh")], { stdio: "inherit" });
else if (dockerUp && !process.env.EMPLOYEE_IMAGE) {
  console.log("[dev] making sure the employee image is built (first time: a few minutes)");
  const built = spawnSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (built.status !== 0) {
    console.error("[dev] building the employee image failed (see above)");
    stopAll(1);
  }
  employeeImage = built.stdout.trim();
}
const stateRoot = STATE_DIR ?? path.join(root, ".wrangler");
const agent = spawn(process.execPath, [path.join(root, "node-agent/main.ts")], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    EDGE_URL: PUBLIC_URL,
    NODE_TOKEN: node?.token,
    RUNTIME: dockerUp ? "docker" : "process",
    EMPLOYEE_IMAGE: employeeImage,
    EMPLOYEE_MEMORY_MB: process.env.EMPLOYEE_MEMORY_MB ?? (standIn ? "512" : "2048"),
    // Each employee on its own disk, as on a node (STATE_DIR/disks; the agent mounts them, so dev
    // runs as root with Docker). runc, not the node's gVisor, unless asked: under Debian's gVisor
    // (ptrace platform) the real employee first answered after 431 s instead of about 150 s.
    EMPLOYEE_RUNTIME: process.env.EMPLOYEE_RUNTIME ?? "runc",
    STATE_DIR: path.join(stateRoot, "agent-state"),
    LLM_RELAY_PORT: process.env.LLM_RELAY_PORT ?? "0",
    CAPACITY_SLOTS: process.env.CAPACITY_SLOTS ?? "4",
    ACCESS_VERIFY_KEY: accessKeys.verify,
    ACCESS_PROXY_PORT: String(ACCESS_PORT),
    ACCESS_COOKIE_MODE: "cross-site",
    PROCESS_WORKDIR: stateRoot,
  },
});
children.push(agent);
agent.on("exit", (code) => {
  console.error(`[dev] the node agent exited (${code}); stopping`);
  stopAll(code ?? 1);
});

console.log(`
  InstantWorker is running locally at ${PUBLIC_URL}
    app           ${PUBLIC_URL}/            (SolidStart dev server, placeholder page)
    edge API      ${PUBLIC_URL}/api/health
    access proxy  http://<employee>.gw.localhost:${ACCESS_PORT} (chat) and .vnc. (browser)
    catalogue     ${PUBLIC_URL}/api/catalogue
    dev mailbox   ${PUBLIC_URL}/api/dev/mailbox?email=you@example.com
    model         ${devModel ? `development model at ${devModel.baseUrl} (answers "[development model] …"; \`!tool NAME {json}\` calls a tool; a provider in .dev.vars replaces it)` : `the provider in ${path.basename(varsFile ?? "")}`}
    billing       ${stripeStandIn ? `Stripe stand-in at ${stripeStandIn.url} (Upgrade opens its Checkout page; Pay sends the signed webhooks here; STRIPE_SECRET_KEY in .dev.vars replaces it)` : `the Stripe account in ${varsFile && configuredVar("STRIPE_SECRET_KEY", varsText, {}) ? path.basename(varsFile) : "the environment (STRIPE_SECRET_KEY)"}`}
    node agent    runtime ${dockerUp ? `docker (image ${employeeImage})` : "process (no Docker engine answers: employees run as local processes)"}
  Sign in: curl -X POST ${PUBLIC_URL}/api/auth/magic-link -H 'content-type: application/json' -d '{"email":"you@example.com"}'
  then open the link printed above (or in the mailbox).
  Email an employee (its address is on its Channels tab: <name>@${mailDomain}; a new Message-ID each time):
    printf 'From: you@example.com\\r\\nTo: maya@${mailDomain}\\r\\nSubject: Hello\\r\\nMessage-ID: <%s@example.com>\\r\\nAuthentication-Results: ${DEV_AUTHSERV_ID}; dmarc=pass header.from=example.com\\r\\n\\r\\nHi Maya!\\r\\n' $RANDOM$RANDOM \\
      | curl -X POST --data-binary @- '${PUBLIC_URL}/cdn-cgi/handler/email?from=you@example.com&to=maya@${mailDomain}'
  The reply lands in the dev mailbox above (email=you@example.com), from the employee's address, threaded.
`);
