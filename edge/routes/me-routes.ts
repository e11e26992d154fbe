import { Hono } from "hono";
import { unauthorized } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { getMe } from "../services/me.ts";

export const meRoutes = new Hono<AppEnv>();
meRoutes.use("*", requireMember());

endpoint(meRoutes, "/api/me", "GET /api/me", async (c) => {
  const me = await getMe(c.var.deps, currentActor(c));
  if (!me) throw unauthorized();
  return me;
});
