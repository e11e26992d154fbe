import { createApp } from "./app.ts";
import { type Env, parseConfig } from "./env.ts";
import { createLogger } from "./log/logger.ts";
import { createDeps } from "./services/deps.ts";
import { runCron } from "./services/reconcile.ts";

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
} satisfies ExportedHandler<Env>;
