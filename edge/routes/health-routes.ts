import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";

export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get("/", (c) => c.json({ ok: true, version: c.var.deps.config.VERSION }));
