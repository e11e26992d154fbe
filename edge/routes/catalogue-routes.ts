import { Hono } from "hono";
import { catalogue } from "../catalogue/catalogue.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";

export const catalogueRoutes = new Hono<AppEnv>();

endpoint(catalogueRoutes, "/api/catalogue", "GET /api/catalogue", (c) => {
  c.header("Cache-Control", "public, max-age=300");
  return catalogue();
});
