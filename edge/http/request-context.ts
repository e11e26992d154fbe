import type { MiddlewareHandler } from "hono";
import { parseConfig } from "../env.ts";
import { createLogger } from "../log/logger.ts";
import { createDeps } from "../services/deps.ts";
import type { AppEnv } from "./app-env.ts";

// A caller-supplied id is kept only if it looks like one of ours (the app's server forwards the
// id it was given), so logs cannot be polluted with arbitrary strings.
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = createLogger({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.header("X-Request-Id", requestId);
    // A misconfigured Worker fails here, with the missing names, before any route runs.
    c.set("deps", createDeps(c.env, parseConfig(c.env), log));
    c.set("user", undefined);
    const started = Date.now();
    await next();
    log.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
      userId: c.var.user?.id,
    });
  };
}
