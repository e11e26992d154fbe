import { Hono } from "hono";
import { unauthorized } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { currentUser, requireUser } from "../http/session.ts";
import { getMe } from "../services/accounts.ts";

export const meRoutes = new Hono<AppEnv>();

meRoutes.get("/", requireUser(), async (c) => {
  const me = await getMe(c.var.deps, currentUser(c).id);
  if (!me) throw unauthorized();
  return c.json(me);
});
