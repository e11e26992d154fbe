import { Hono } from "hono";
import { catalogue } from "../catalogue/catalogue.ts";
import type { AppEnv } from "../http/app-env.ts";

export const catalogueRoutes = new Hono<AppEnv>();

catalogueRoutes.get("/", (c) => {
  c.header("Cache-Control", "public, max-age=300");
  return c.json(catalogue());
});
