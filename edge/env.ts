import { z } from "zod";
import { SLACK_API_URL } from "./channels/slack/slack-api.ts";
import { SLACK_AUTHORIZE_URL } from "./channels/slack/slack-oauth.ts";
import { TELEGRAM_API_URL } from "./channels/telegram/telegram-api.ts";
import { WHATSAPP_GRAPH_URL } from "./channels/whatsapp/whatsapp-api.ts";
import type { AccountFeedRpc } from "./objects/account-feed-rpc.ts";
import type { BudgetDO } from "./objects/budget-do.ts";
import type { EmployeeRpc } from "./objects/employee-rpc.ts";
import type { NodeRpc } from "./objects/node-rpc.ts";
import type { RateLimiter } from "./objects/rate-limiter.ts";
import type { SnapshotStoreRpc } from "./snapshots/snapshot-store-rpc.ts";

// What wrangler binds. Vars and secrets arrive as strings (or not at all) and are checked by
// parseConfig before anything uses them.
export interface Env {
  DB: D1Database;
  KNOWLEDGE: R2Bucket;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  // Typed by their RPC interfaces, not their classes: the classes import this file.
  EMPLOYEE_DO: DurableObjectNamespace<EmployeeRpc>;
  NODE_DO: DurableObjectNamespace<NodeRpc>;
  BUDGET_DO: DurableObjectNamespace<BudgetDO>;
  // Snapshots (issue 16): sealed packs and manifests, and one chunk index per employee.
  SNAPSHOTS: R2Bucket;
  SNAPSHOT_STORE: DurableObjectNamespace<SnapshotStoreRpc>;
  // The account's live feed (issue 18): approvals as they are asked for and decided.
  ACCOUNT_FEED: DurableObjectNamespace<AccountFeedRpc>;
  ENVIRONMENT?: string;
  APP_URL?: string;
  VERSION?: string;
  EMAIL_FROM?: string;
  EMAIL_API_URL?: string;
  RESEND_API_KEY?: string;
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  GOOGLE_AUTH_URL?: string;
  GOOGLE_TOKEN_URL?: string;
  GOOGLE_USERINFO_URL?: string;
  LLM_UPSTREAM_URL?: string;
  LLM_UPSTREAM_KEY?: string;
  LLM_UPSTREAM_TIMEOUT_MS?: string;
  LLM_MODELS?: string;
  LLM_FALLBACK_MODEL?: string;
  LLM_AUTO_CHEAP?: string;
  LLM_AUTO_STRONG?: string;
  GATEWAY_URL?: string;
  ACCESS_SIGNING_KEY?: string;
  ACCESS_URL_TEMPLATE?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_URL?: string;
  STRIPE_PRICE_STARTER?: string;
  STRIPE_PRICE_PRO?: string;
  STRIPE_PRICE_BUSINESS?: string;
  BILLING_GRACE_DAYS?: string;
  CHANNEL_SECRETS_KEY?: string;
  // The bearer secret of the operators' routes (/ops/...); unset, they do not exist (404).
  OPS_TOKEN?: string;
  TELEGRAM_API_URL?: string;
  SLACK_API_URL?: string;
  SLACK_AUTHORIZE_URL?: string;
  WHATSAPP_GRAPH_URL?: string;
  SNAPSHOT_MASTER_KEY?: string;
  SNAPSHOT_MASTER_KEY_PREVIOUS?: string;
  // Channels (issue 17).
  CHANNEL_SECRETS_PREVIOUS_KEYS?: string;
  CHANNEL_WEBHOOK_URL?: string;
  EMPLOYEE_MAIL_DOMAIN?: string;
  EMAIL_TRUSTED_AUTHSERV_ID?: string;
  SLACK_CLIENT_ID?: string;
  SLACK_CLIENT_SECRET?: string;
  SLACK_SIGNING_SECRET?: string;
}

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const ConfigSchema = z
  .object({
    ENVIRONMENT: z.enum(["development", "production"]).default("production"),
    APP_URL: z.url({ message: "must be the app's public origin, e.g. https://app.example.com" }),
    VERSION: z.string().default("dev"),
    EMAIL_FROM: z.string().min(3).default("InstantWorker <hello@instantworker.local>"),
    EMAIL_API_URL: z.url().default("https://api.resend.com"),
    RESEND_API_KEY: optionalSecret,
    GOOGLE_CLIENT_ID: optionalSecret,
    GOOGLE_CLIENT_SECRET: optionalSecret,
    GOOGLE_AUTH_URL: z.url().default("https://accounts.google.com/o/oauth2/v2/auth"),
    GOOGLE_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
    GOOGLE_USERINFO_URL: z.url().default("https://openidconnect.googleapis.com/v1/userinfo"),
    LLM_UPSTREAM_URL: z.url().default("https://api.openai.com/v1"),
    LLM_UPSTREAM_KEY: optionalSecret,
    // Time to the upstream's response headers (the first token for a stream); past it, fall back.
    LLM_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    LLM_MODELS: z.string().optional(),
    LLM_FALLBACK_MODEL: z.string().default("fast"),
    LLM_AUTO_CHEAP: z.string().default("fast"),
    LLM_AUTO_STRONG: z.string().default("strong"),
    // Where employees reach /v1; APP_URL/v1 (same-zone route) unless the nodes need another way in.
    GATEWAY_URL: z.url().optional(),
    // Ed25519 private key (PKCS#8, base64) that signs chat/browser access tokens; nodes verify
    // with the public half (ACCESS_VERIFY_KEY in the agent's environment).
    ACCESS_SIGNING_KEY: optionalSecret,
    // Where a node's access proxy answers: {employee} and {service} (gw | vnc) are filled in.
    ACCESS_URL_TEMPLATE: z
      .string()
      .refine(
        (t) => t.includes("{employee}") && t.includes("{service}"),
        "must contain {employee} and {service}",
      )
      .default("http://{employee}.{service}.localhost:8790"),
    // Stripe: the API key and the webhook endpoint's signing secret (both or neither), and a
    // price id per paid plan. STRIPE_API_URL points the stripe package elsewhere (tests).
    STRIPE_SECRET_KEY: optionalSecret,
    STRIPE_WEBHOOK_SECRET: optionalSecret,
    STRIPE_API_URL: z.url().optional(),
    STRIPE_PRICE_STARTER: optionalSecret,
    STRIPE_PRICE_PRO: optionalSecret,
    STRIPE_PRICE_BUSINESS: optionalSecret,
    // Days between the first failed payment and the employees being stopped.
    BILLING_GRACE_DAYS: z.coerce.number().min(0).max(60).default(7),
    // Channels (edge/channels/): the key that seals channel credentials at rest, 32 random bytes
    // in base64 (`openssl rand -base64 32`). Required for channels: without it no channel can be
    // connected. Losing it loses every saved channel credential (customers reconnect).
    OPS_TOKEN: optionalSecret,
    CHANNEL_SECRETS_KEY: optionalSecret.refine(
      (v) => v === undefined || isBase64Key(v),
      "must be 32 random bytes in base64 (openssl rand -base64 32)",
    ),
    // During a rotation of CHANNEL_SECRETS_KEY, the keys it replaced, comma-separated: they
    // only open what they sealed (it is sealed again under the current key when next used).
    CHANNEL_SECRETS_PREVIOUS_KEYS: optionalSecret.refine(
      (v) => v === undefined || v.split(",").every(isBase64Key),
      "must be comma-separated keys of 32 random bytes in base64",
    ),
    // The public origin the providers call the webhooks on (/channels/...): APP_URL when unset.
    // Telegram calls https only, so development needs a tunnel's URL here to receive from it.
    CHANNEL_WEBHOOK_URL: z.url().optional(),
    // The domain of the employees' addresses (<name>@domain), routed by Cloudflare Email Routing
    // to this Worker and verified in Resend. Development falls back to employees.localhost;
    // elsewhere the email channel is off until it is set.
    EMPLOYEE_MAIL_DOMAIN: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/, "must be a mail domain, e.g. example.com")
      .optional(),
    // The authserv-id of the Authentication-Results header the receiving server writes (for
    // Cloudflare Email Routing: mx.cloudflare.net): a DMARC pass it vouches for identifies a
    // member by email. Unset, no email sender counts as verified.
    EMAIL_TRUSTED_AUTHSERV_ID: optionalSecret,
    // Slack's "Add to Slack" app: its OAuth client and the signing secret of its events (all
    // three, or none: then Slack cannot be connected).
    SLACK_CLIENT_ID: optionalSecret,
    SLACK_CLIENT_SECRET: optionalSecret,
    SLACK_SIGNING_SECRET: optionalSecret,
    // Snapshots (edge/snapshots/snapshot-crypto.ts): wraps each account's data key, 32 random
    // bytes in base64. Development has a built-in key when it is unset; production takes no
    // snapshot without it. During a rotation the keys it replaced, comma-separated, open the
    // data keys they wrapped (each is wrapped again under the current one when next used).
    SNAPSHOT_MASTER_KEY: optionalSecret.refine(
      (v) => v === undefined || isBase64Key(v),
      "must be 32 random bytes in base64 (openssl rand -base64 32)",
    ),
    SNAPSHOT_MASTER_KEY_PREVIOUS: optionalSecret.refine(
      (v) => v === undefined || v.split(",").every(isBase64Key),
      "must be comma-separated keys of 32 random bytes in base64",
    ),
    // The providers' API bases; only tests point them elsewhere.
    TELEGRAM_API_URL: z.url().default(TELEGRAM_API_URL),
    SLACK_API_URL: z.url().default(SLACK_API_URL),
    SLACK_AUTHORIZE_URL: z.url().default(SLACK_AUTHORIZE_URL),
    WHATSAPP_GRAPH_URL: z.url().default(WHATSAPP_GRAPH_URL),
  })
  .superRefine((c, ctx) => {
    // Outside development a real mailer is mandatory: a sign-in link that goes nowhere would
    // silently lock every customer out.
    if (c.ENVIRONMENT === "production" && !c.RESEND_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["RESEND_API_KEY"],
        message: "is required outside development (set it with `wrangler secret put`)",
      });
    }
    if (Boolean(c.STRIPE_SECRET_KEY) !== Boolean(c.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [c.STRIPE_SECRET_KEY ? "STRIPE_WEBHOOK_SECRET" : "STRIPE_SECRET_KEY"],
        message: "billing needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET",
      });
    }
    // STRIPE_API_URL is the development server's and the tests' stand-in: production talks to
    // api.stripe.com only, so a left-over or injected override cannot take payments elsewhere.
    if (c.ENVIRONMENT === "production" && c.STRIPE_API_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_API_URL"],
        message: "is only for development and tests (remove it: production talks to Stripe)",
      });
    }
    const slack = [c.SLACK_CLIENT_ID, c.SLACK_CLIENT_SECRET, c.SLACK_SIGNING_SECRET];
    if (slack.some(Boolean) && !slack.every(Boolean)) {
      const names = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"];
      ctx.addIssue({
        code: "custom",
        path: [names[slack.findIndex((v) => !v)] ?? "SLACK_CLIENT_ID"],
        message: "Slack needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET",
      });
    }
    if (
      c.ENVIRONMENT === "production" &&
      c.CHANNEL_WEBHOOK_URL &&
      !c.CHANNEL_WEBHOOK_URL.startsWith("https://")
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["CHANNEL_WEBHOOK_URL"],
        message: "must be https in production (the providers call it)",
      });
    }
    if (Boolean(c.GOOGLE_CLIENT_ID) !== Boolean(c.GOOGLE_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [c.GOOGLE_CLIENT_ID ? "GOOGLE_CLIENT_SECRET" : "GOOGLE_CLIENT_ID"],
        message: "Google sign-in needs both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET",
      });
    }
  });

function isBase64Key(v: string): boolean {
  try {
    return /^[A-Za-z0-9+/]{43}=$/.test(v.trim()) && atob(v.trim()).length === 32;
  } catch {
    return false;
  }
}

export type Config = z.infer<typeof ConfigSchema> & { appOrigin: string };

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid Worker configuration: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

// Parsed once per isolate per env object: env is stable for an isolate's lifetime.
const cache = new WeakMap<object, Config>();

export function parseConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "env"} ${i.message}`),
    );
  }
  const config = { ...parsed.data, appOrigin: new URL(parsed.data.APP_URL).origin };
  cache.set(env, config);
  return config;
}

export function gatewayUrl(config: Config): string {
  return config.GATEWAY_URL ?? `${config.appOrigin}/v1`;
}

/** Where the providers reach the webhooks: `${channelWebhookBase(config)}/channels/...`. */
export function channelWebhookBase(config: Config): string {
  return config.CHANNEL_WEBHOOK_URL?.replace(/\/+$/, "") ?? config.appOrigin;
}

/** The employees' mail domain; null outside development while unset (email is then off). */
export function employeeMailDomain(config: Config): string | null {
  return (
    config.EMPLOYEE_MAIL_DOMAIN ??
    (config.ENVIRONMENT === "development" ? DEV_EMPLOYEE_MAIL_DOMAIN : null)
  );
}
export const DEV_EMPLOYEE_MAIL_DOMAIN = "employees.localhost";

/** Slack's app, when all three of its settings are set. */
export function slackApp(
  config: Config,
): { clientId: string; clientSecret: string; signingSecret: string } | null {
  const { SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET } = config;
  if (!SLACK_CLIENT_ID || !SLACK_CLIENT_SECRET || !SLACK_SIGNING_SECRET) return null;
  return {
    clientId: SLACK_CLIENT_ID,
    clientSecret: SLACK_CLIENT_SECRET,
    signingSecret: SLACK_SIGNING_SECRET,
  };
}
