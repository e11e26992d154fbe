import { createApp } from "./app.ts";
import { type Env, parseConfig } from "./env.ts";
import { createLogger } from "./log/logger.ts";
import { createDeps } from "./services/deps.ts";
import { handleInboundEmail } from "./services/inbound-email.ts";
import { runCron } from "./services/reconcile.ts";

export { AccountFeedDO } from "./objects/account-feed-do.ts";
export { BudgetDO } from "./objects/budget-do.ts";
export { EmployeeDO } from "./objects/employee-do.ts";
export { NodeDO } from "./objects/node-do.ts";
export { RateLimiter } from "./objects/rate-limiter.ts";
export { SnapshotStoreDO } from "./snapshots/snapshot-store-do.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const log = createLogger({ cron: controller.cron });
    ctx.waitUntil(runCron(createDeps(env, parseConfig(env), log), controller.scheduledTime));
  },
  // Mail to an employee's address (Email Routing's catch-all "Send to a Worker"; in development
  // wrangler's /cdn-cgi/handler/email). Stored before it returns; a throw is a temporary SMTP
  // failure, so the sender retries.
  async email(message, env) {
    await handleInboundEmail(message, env);
  },
} satisfies ExportedHandler<Env>;
