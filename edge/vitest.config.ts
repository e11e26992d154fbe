import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type Plugin } from "vitest/config";
import { GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET } from "../testing/stand-ins/google-stand-in.ts";
import { OPENAI_KEY } from "../testing/stand-ins/openai-stand-in.ts";
import {
  SLACK_CLIENT_ID,
  SLACK_CLIENT_SECRET,
  SLACK_SIGNING_SECRET,
} from "../testing/stand-ins/slack-stand-in.ts";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
} from "../testing/stand-ins/stripe-stand-in.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// A `//# sourceMappingURL=` line (or its /* */ form) at the end of a file.
const SOURCE_MAP_COMMENT = /^[ \t]*(?:\/\/|\/\*)[#@] sourceMappingURL=.*$/gm;

// workerd cannot load node_modules itself, so the pool runs every dependency through Vite's
// transform, and Vite reads each file's source map. stripe's maps name ../src/*.ts files its
// package does not ship, and Vite warned once per file: over 200 lines in every run. With no
// source behind them those maps map nothing, so dependencies are loaded without them (a stack
// through a dependency names its shipped .js lines, which is all there is to read).
function dependenciesWithoutSourceMaps(): Plugin {
  return {
    name: "dependencies-without-source-maps",
    async load(id) {
      if (!/\/node_modules\/[^?]*\.[cm]?js$/.test(id)) return null;
      const code = await readFile(id, "utf8");
      return code.replace(SOURCE_MAP_COMMENT, "");
    },
  };
}

// The edge's tests run inside workerd with the real D1, Durable Objects and the Worker from
// wrangler.toml; only services across the internet (Google, the email provider, the LLM
// provider, Stripe, Telegram, Slack, WhatsApp) are loopback stand-ins (global-setup.ts).
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "db/migrations"));
  // A fresh access-signing pair per run: the Worker signs with the private half, tests verify
  // with the public half, as node agents do.
  const access = generateKeyPairSync("ed25519");
  const accessSigningKey = access.privateKey
    .export({ type: "pkcs8", format: "der" })
    .toString("base64");
  const accessVerifyKey = (access.publicKey.export({ type: "spki", format: "der" }) as Buffer)
    .subarray(12)
    .toString("base64");
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const standIn = inject("standInUrl");
        return {
          wrangler: { configPath: path.join(root, "wrangler.toml") },
          // The Worker itself, with clocks a test can move (test/test-worker.ts).
          main: path.join(root, "edge/test/test-worker.ts"),
          miniflare: {
            // An empty database of its own for the migration test (test/migration-0008.test.ts),
            // which builds the schema as it was and migrates rows made by it.
            d1Databases: { MIGRATION_DB: "migration-test" },
            bindings: {
              ENVIRONMENT: "development",
              APP_URL: "http://localhost:8787",
              VERSION: "test",
              GOOGLE_CLIENT_ID,
              GOOGLE_CLIENT_SECRET,
              GOOGLE_AUTH_URL: `${standIn}/google/auth`,
              GOOGLE_TOKEN_URL: `${standIn}/google/token`,
              GOOGLE_USERINFO_URL: `${standIn}/google/userinfo`,
              STAND_IN_URL: standIn,
              ACCESS_SIGNING_KEY: accessSigningKey,
              TEST_ACCESS_VERIFY_KEY: accessVerifyKey,
              LLM_UPSTREAM_URL: `${standIn}/openai/v1`,
              LLM_UPSTREAM_KEY: OPENAI_KEY,
              LLM_UPSTREAM_TIMEOUT_MS: "1000",
              LLM_MODELS: JSON.stringify([
                { id: "fast", upstream: "mock-fast", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
                {
                  id: "strong",
                  upstream: "mock-strong",
                  inputEurPerMTok: 2.5,
                  outputEurPerMTok: 10,
                },
              ]),
              STRIPE_SECRET_KEY,
              STRIPE_WEBHOOK_SECRET,
              STRIPE_API_URL: standIn,
              STRIPE_PRICE_STARTER: STRIPE_PRICES.starter,
              STRIPE_PRICE_PRO: STRIPE_PRICES.pro,
              STRIPE_PRICE_BUSINESS: STRIPE_PRICES.business,
              TEST_MIGRATIONS: migrations,
              CHANNEL_SECRETS_KEY: randomBytes(32).toString("base64"),
              TELEGRAM_API_URL: `${standIn}/telegram`,
              SLACK_API_URL: `${standIn}/slack/api`,
              SLACK_AUTHORIZE_URL: `${standIn}/slack/oauth/v2/authorize`,
              WHATSAPP_GRAPH_URL: `${standIn}/whatsapp`,
              // Channels (issue 17). CHANNEL_WEBHOOK_URL is left to default to APP_URL (an http
              // one would be refused by the tests that parse this env as production).
              EMPLOYEE_MAIL_DOMAIN: "employees.localhost",
              EMAIL_TRUSTED_AUTHSERV_ID: "mx.cloudflare.net",
              SLACK_CLIENT_ID,
              SLACK_CLIENT_SECRET,
              SLACK_SIGNING_SECRET,
              // Scheduled work (issue 18): tasks every 10 s (6-field cron) may run in tests.
              SCHEDULE_MIN_INTERVAL_SECONDS: "5",
              // So a test can hold the committed Slack manifest to the scopes the code asks for.
              TEST_SLACK_MANIFEST: readFileSync(
                path.join(root, "infra/slack/app-manifest.yaml"),
                "utf8",
              ),
            },
          },
        };
      }),
      dependenciesWithoutSourceMaps(),
    ],
    test: {
      name: "edge",
      root: path.join(root, "edge"),
      include: ["test/**/*.test.ts"],
      // Plain functions on Node: vitest.unit.config.ts.
      exclude: ["test/unit/**"],
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      silent: "passed-only" as const,
      // The files share one D1 and one set of Durable Objects, like production: an employee
      // left waiting for a server by one file would be placed on another file's test node.
      fileParallelism: false,
      // Tests assert behaviour, not speed (the benches measure that): on a busy 2-core machine a
      // test of a few round trips through workerd, D1 and the objects can pass 5 s.
      testTimeout: 20_000,
    },
  };
});
