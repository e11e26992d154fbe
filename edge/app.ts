import { Hono } from "hono";
import { ConfigError } from "./env.ts";
import { ApiError } from "./http/api-error.ts";
import type { AppEnv } from "./http/app-env.ts";
import { csrfProtection } from "./http/csrf.ts";
import { requestContext } from "./http/request-context.ts";
import { loadSession } from "./http/session.ts";
import { createLogger, errorFields } from "./log/logger.ts";
import { accountLifecycleRoutes } from "./routes/account-lifecycle-routes.ts";
import { accountRoutes, accountsRoutes } from "./routes/account-routes.ts";
import { agentRoutes } from "./routes/agent-routes.ts";
import { agentSnapshotRoutes } from "./routes/agent-snapshot-routes.ts";
import { accountLiveRoutes, approvalRoutes } from "./routes/approval-routes.ts";
import { auditRoutes } from "./routes/audit-routes.ts";
import { authRoutes } from "./routes/auth-routes.ts";
import { billingRoutes, stripeWebhookRoutes } from "./routes/billing-routes.ts";
import { catalogueRoutes } from "./routes/catalogue-routes.ts";
import { channelWebhookRoutes } from "./routes/channel-webhook-routes.ts";
import { devRoutes } from "./routes/dev-routes.ts";
import { employeeRoutes } from "./routes/employee-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { invitationRoutes } from "./routes/invitation-routes.ts";
import { knowledgeRoutes } from "./routes/knowledge-routes.ts";
import { llmRoutes } from "./routes/llm-routes.ts";
import { meRoutes } from "./routes/me-routes.ts";
import { opsRoutes } from "./routes/ops-routes.ts";
import { pairingRoutes } from "./routes/pairing-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { slackOAuthRoutes } from "./routes/slack-oauth-routes.ts";
import { teamRoutes } from "./routes/team-routes.ts";

// Signed by Stripe, not by a browser session: verified by signature instead of Origin.
const CSRF_EXEMPT = new Set(["/api/stripe/webhook"]);

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use("*", requestContext());
  app.use("/api/*", csrfProtection({ exempt: (path) => CSRF_EXEMPT.has(path) }));
  app.use("/api/*", loadSession());

  app.route("/api/health", healthRoutes);
  app.route("/api/auth", authRoutes);
  app.route("/api/me", meRoutes);
  app.route("/api/accounts", accountsRoutes);
  app.route("/api/account", accountRoutes);
  app.route("/api/catalogue", catalogueRoutes);
  app.route("/api/dev", devRoutes);
  app.route("/api/employees", employeeRoutes);
  app.route(
    "/api/knowledge",
    knowledgeRoutes("/api/knowledge", () => ({ kind: "team" })),
  );
  app.route("/api/billing", billingRoutes);
  app.route("/api/audit", auditRoutes);
  app.route("/api/account", accountLifecycleRoutes);
  app.route("/api/stripe", stripeWebhookRoutes);
  app.route("/api/team", teamRoutes);
  app.route("/api/invitation", invitationRoutes);
  app.route("/api/sessions", sessionRoutes);
  // Channels (issue 17): pairing requests, and "Add to Slack" coming back (outside /api: a
  // navigation from Slack; the session is read by the route itself).
  app.route("/api/pairing-requests", pairingRoutes);
  // Trust and proof (issue 18): the approvals inbox and the account's live socket.
  app.route("/api/approvals", approvalRoutes);
  app.route("/api/live", accountLiveRoutes);
  app.route("/channels/slack/oauth", slackOAuthRoutes);
  app.route("/agent/snapshots", agentSnapshotRoutes);
  app.route("/agent", agentRoutes);
  app.route("/v1", llmRoutes);
  app.route("/ops", opsRoutes);

  // Channels (issue 17): the providers' webhooks and the Slack avatar, outside /api (no session,
  // no CSRF: each request is verified by the provider's secret instead).
  app.route("/channels", channelWebhookRoutes);

  app.notFound((c) =>
    c.json(
      new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}.`).body(),
      404,
    ),
  );

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(err.body(), err.status);
    }
    // requestContext may not have run (a config error stops it), so fall back to a fresh logger.
    const log = c.get("log") ?? createLogger({ requestId: c.get("requestId") });
    if (err instanceof ConfigError) {
      log.error("worker misconfigured", { problems: err.problems });
      return c.json(new ApiError(500, "server_misconfigured", err.message).body(), 500);
    }
    log.error("unhandled error", { path: c.req.path, ...errorFields(err) });
    const message = `Something went wrong on our side. Quote request id ${c.get("requestId") ?? "unknown"} if you contact support.`;
    return c.json(new ApiError(500, "internal_error", message).body(), 500);
  });

  return app;
}
