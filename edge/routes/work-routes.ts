import { Hono } from "hono";
import { z } from "zod";
import { LedgerQuery } from "../contract/ledger.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { queryParams } from "../http/validate.ts";
import { ledgerCsv, listLedger } from "../services/ledger.ts";
import { employeeReport, teamReport } from "../services/report.ts";

// What employees did (issue 18): an employee's work ledger and report card, mounted by
// employee-routes.ts under /api/employees/:id (which has checked the session), and the team's
// report card at /api/report.
const MOUNT = "/api/employees/:id";
export const workRoutes = new Hono<AppEnv>();

const Uuid = z.uuid();
function employeeIdOf(raw: string | undefined): string {
  const parsed = Uuid.safeParse(raw);
  if (!parsed.success) throw new ApiError(404, "not_found", "That employee does not exist.");
  return parsed.data;
}

// The same query answered as CSV, for a spreadsheet: `format=csv`. Anything else falls through
// to the JSON endpoint.
workRoutes.get("/ledger", async (c, next) => {
  if (c.req.query("format") !== "csv") return next();
  const actor = currentActor(c);
  const id = employeeIdOf(c.req.param("id"));
  const body = await ledgerCsv(c.var.deps, actor, id, queryParams(c, LedgerQuery));
  const date = new Date(c.var.deps.now()).toISOString().slice(0, 10);
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="ledger-${id}-${date}.csv"`,
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
  });
});

endpoint(workRoutes, MOUNT, "GET /api/employees/:id/ledger", async (c, input) =>
  listLedger(c.var.deps, currentActor(c), employeeIdOf(c.req.param("id")), input.query()),
);

endpoint(workRoutes, MOUNT, "GET /api/employees/:id/report", async (c, input) => ({
  report: await employeeReport(
    c.var.deps,
    currentActor(c),
    employeeIdOf(c.req.param("id")),
    input.query().week,
  ),
}));

export const reportRoutes = new Hono<AppEnv>();
reportRoutes.use("*", requireMember());

endpoint(reportRoutes, "/api/report", "GET /api/report", async (c, input) => ({
  report: await teamReport(c.var.deps, currentActor(c), input.query().week),
}));
