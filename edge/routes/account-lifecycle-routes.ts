import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { deferOf } from "../http/defer.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { cancelDeletion, scheduleDeletion } from "../services/account-deletion.ts";
import { downloadExport, listAccountExports, startExport } from "../services/account-export.ts";

// The account's end and its data (owner only): deletion with its grace, and exports.
const MOUNT = "/api/account";
export const accountLifecycleRoutes = new Hono<AppEnv>();
accountLifecycleRoutes.use("*", requireMember());

endpoint(accountLifecycleRoutes, MOUNT, "DELETE /api/account", async (c) => ({
  account: await scheduleDeletion(c.var.deps, currentActor(c)),
}));

endpoint(accountLifecycleRoutes, MOUNT, "POST /api/account/restore", async (c) => ({
  account: await cancelDeletion(c.var.deps, currentActor(c)),
}));

endpoint(accountLifecycleRoutes, MOUNT, "POST /api/account/export", async (c) => ({
  export: await startExport(c.var.deps, currentActor(c), deferOf(c)),
}));

endpoint(accountLifecycleRoutes, MOUNT, "GET /api/account/exports", async (c) => ({
  exports: await listAccountExports(c.var.deps, currentActor(c)),
}));

// The zip itself: a download, not JSON.
accountLifecycleRoutes.get("/exports/:id/download", async (c) =>
  downloadExport(c.var.deps, currentActor(c), c.req.param("id")),
);
