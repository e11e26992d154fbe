import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { deferOf } from "../http/defer.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { cancelDeletion, scheduleDeletion } from "../services/account-deletion.ts";
import { downloadExport, listAccountExports, startExport } from "../services/account-export.ts";
import { recordAudit } from "../services/audit.ts";

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

// The zip itself: a download, not JSON. The whole account leaves with it, so it is recorded.
accountLifecycleRoutes.get("/exports/:id/download", async (c) => {
  const actor = currentActor(c);
  const id = c.req.param("id");
  const res = await downloadExport(c.var.deps, actor, id);
  if (res.ok)
    await recordAudit(c.var.deps, actor, "account.export_download", { type: "export", id });
  return res;
});
