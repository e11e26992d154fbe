import { Hono } from "hono";
import { AuditQuery } from "../contract/audit.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { queryParams } from "../http/validate.ts";
import { auditCsv, listAudit } from "../services/audit-query.ts";

const MOUNT = "/api/audit";
export const auditRoutes = new Hono<AppEnv>();
auditRoutes.use("*", requireMember());

// The same query answered as CSV, for a spreadsheet: `format=csv`, or `Accept: text/csv`
// without an explicit `format=json`. Anything else falls through to the JSON endpoint.
auditRoutes.get("/", async (c, next) => {
  const format = c.req.query("format");
  const wantsCsv =
    format === "csv" ||
    (format === undefined && /\btext\/csv\b/i.test(c.req.header("accept") ?? ""));
  if (!wantsCsv) return next();
  const actor = currentActor(c);
  const { body, nextBefore } = await auditCsv(c.var.deps, actor, queryParams(c, AuditQuery));
  const date = new Date(c.var.deps.now()).toISOString().slice(0, 10);
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="audit-${actor.accountId}-${date}.csv"`,
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
    ...(nextBefore ? { "x-next-before": nextBefore } : {}),
  });
});

endpoint(auditRoutes, MOUNT, "GET /api/audit", async (c, input) =>
  listAudit(c.var.deps, currentActor(c), input.query()),
);
