import { Hono } from "hono";
import { z } from "zod";
import { notFound } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { queryParams } from "../http/validate.ts";
import { readMailbox } from "../services/dev-mailbox.ts";

export const devRoutes = new Hono<AppEnv>();

// Everything under /api/dev exists only in development; elsewhere it is indistinguishable from
// a route that was never there.
devRoutes.use("*", async (c, next) => {
  if (c.var.deps.config.ENVIRONMENT !== "development") throw notFound("route");
  return next();
});

const MailboxQuery = z.object({ email: z.email().max(254) });

devRoutes.get("/mailbox", async (c) => {
  const { email } = queryParams(c, MailboxQuery);
  return c.json({ messages: await readMailbox(c.var.deps, email) });
});
