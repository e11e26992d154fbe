import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor } from "../http/session.ts";
import { listBackups, restoreBackup, takeBackup } from "../services/backups.ts";

// An employee's backups (issue 16), mounted by employee-routes.ts under /api/employees/:id, which
// has checked the session. The verbs check the account (404), the role (403) and the rate.
const MOUNT = "/api/employees/:id";
export const backupRoutes = new Hono<AppEnv>();

// A malformed id cannot name anything, so it is answered like an unknown one.
const Uuid = z.uuid();
function idOf(raw: string | undefined, what: "employee" | "backup"): string {
  const parsed = Uuid.safeParse(raw);
  if (!parsed.success) throw new ApiError(404, "not_found", `That ${what} does not exist.`);
  return parsed.data;
}

endpoint(backupRoutes, MOUNT, "GET /api/employees/:id/backups", async (c) => ({
  backups: await listBackups(c.var.deps, currentActor(c), idOf(c.req.param("id"), "employee")),
}));

endpoint(backupRoutes, MOUNT, "POST /api/employees/:id/backups", async (c) => ({
  backup: await takeBackup(c.var.deps, currentActor(c), idOf(c.req.param("id"), "employee")),
}));

endpoint(backupRoutes, MOUNT, "POST /api/employees/:id/backups/:backupId/restore", async (c) => {
  const id = idOf(c.req.param("id"), "employee");
  const backupId = idOf(c.req.param("backupId"), "backup");
  return { employee: await restoreBackup(c.var.deps, currentActor(c), id, backupId) };
});
