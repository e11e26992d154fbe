import type { Context } from "hono";
import { errorFields } from "../log/logger.ts";
import type { AppEnv } from "./app-env.ts";

/** Work that continues after the answer: a verb's Defer, through the request's waitUntil. */
export const deferOf =
  (c: Context<AppEnv>) =>
  (work: Promise<unknown>): void =>
    c.executionCtx.waitUntil(
      work.catch((err: unknown) => c.var.log.error("deferred work failed", errorFields(err))),
    );
