import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";

export const healthRoutes = new Hono<AppEnv>();

endpoint(healthRoutes, "/api/health", "GET /api/health", (c) => ({
  ok: true,
  version: c.var.deps.config.VERSION,
}));
