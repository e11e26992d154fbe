import { type Db, openDb } from "../../db/client.ts";
import type { Config, Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import { type Mailer, selectMailer } from "../mail/select-mailer.ts";
import { durableRateLimits, type RateLimits } from "./rate-limits.ts";

// What the service verbs need, built once per request. Verbs take Deps instead of Hono's
// context, so they can be called from routes, cron and Durable Objects alike.
export interface Deps {
  db: Db;
  env: Env;
  config: Config;
  log: Logger;
  mailer: Mailer;
  limits: RateLimits;
  now: () => number;
}

export function createDeps(env: Env, config: Config, log: Logger): Deps {
  const db = openDb(env.DB);
  return {
    db,
    env,
    config,
    log,
    mailer: selectMailer(config, db, log),
    limits: durableRateLimits(env.RATE_LIMITER),
    now: () => Date.now(),
  };
}
