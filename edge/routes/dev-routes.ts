import { Hono } from "hono";
import { notFound } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { readMailbox } from "../services/dev-mailbox.ts";

export const devRoutes = new Hono<AppEnv>();

// Everything under /api/dev exists only in development; elsewhere it is indistinguishable from
// a route that was never there.
devRoutes.use("*", async (c, next) => {
  if (c.var.deps.config.ENVIRONMENT !== "development") throw notFound("route");
  return next();
});

endpoint(devRoutes, "/api/dev", "GET /api/dev/mailbox", async (c, input) => ({
  messages: await readMailbox(c.var.deps, input.query().email),
}));
