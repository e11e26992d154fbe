import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { currentUser, requireUser } from "../http/session.ts";
import { jsonBody } from "../http/validate.ts";
import { accessUrls } from "../services/access.ts";
import {
  actOnEmployee,
  fireEmployee,
  getEmployee,
  HireInput,
  hireEmployee,
  listEmployees,
  openLiveStatus,
  readMemory,
  UpdateInput,
  updateEmployee,
} from "../services/employees.ts";
import { ACCESS_PER_USER, HIRES_PER_USER, MEMORY_READS_PER_USER } from "../services/rate-limits.ts";
import { knowledgeRoutes } from "./knowledge-routes.ts";

export const employeeRoutes = new Hono<AppEnv>();
employeeRoutes.use("*", requireUser());

const EmployeeId = z.object({ id: z.uuid({ message: "Not an employee id." }) });
// A malformed id cannot name anything, so it is answered like any unknown employee.
function employeeId(raw: string): string {
  const parsed = EmployeeId.safeParse({ id: raw });
  if (!parsed.success) throw new ApiError(404, "not_found", "That employee does not exist.");
  return parsed.data.id;
}

employeeRoutes.get("/", async (c) =>
  c.json({ employees: await listEmployees(c.var.deps, currentUser(c).id) }),
);

employeeRoutes.post("/", async (c) => {
  const input = await jsonBody(c, HireInput);
  await c.var.deps.limits.take(HIRES_PER_USER, currentUser(c).id);
  return c.json({ employee: await hireEmployee(c.var.deps, currentUser(c).id, input) }, 201);
});

employeeRoutes.get("/:id", async (c) =>
  c.json({
    employee: await getEmployee(c.var.deps, currentUser(c).id, employeeId(c.req.param("id"))),
  }),
);

employeeRoutes.patch("/:id", async (c) => {
  const id = employeeId(c.req.param("id"));
  const patch = await jsonBody(c, UpdateInput);
  return c.json({ employee: await updateEmployee(c.var.deps, currentUser(c).id, id, patch) });
});

employeeRoutes.delete("/:id", async (c) => {
  await fireEmployee(c.var.deps, currentUser(c).id, employeeId(c.req.param("id")));
  return c.json({ status: "removing" }, 202);
});

for (const action of ["provision", "restart", "stop"] as const) {
  employeeRoutes.post(`/:id/${action}`, async (c) => {
    const employee = await actOnEmployee(
      c.var.deps,
      currentUser(c).id,
      employeeId(c.req.param("id")),
      action,
    );
    return c.json({ employee }, 202);
  });
}

// Limits count only requests that could succeed: the employee is checked to be the person's own
// (and, for access, running) before a request takes from the person's limit, so a flood of
// requests for foreign or unknown ids cannot lock the person out of their own employees.
employeeRoutes.post("/:id/access", async (c) => {
  const id = employeeId(c.req.param("id"));
  const userId = currentUser(c).id;
  const employee = await getEmployee(c.var.deps, userId, id);
  // A stopped employee's request is refused below (409) without counting.
  if (employee.status === "running") await c.var.deps.limits.take(ACCESS_PER_USER, userId);
  return c.json(await accessUrls(c.var.deps, userId, id));
});

// The employee's own knowledge folder.
employeeRoutes.route(
  "/:id/knowledge",
  knowledgeRoutes((param) => ({ kind: "employee", employeeId: employeeId(param("id") ?? "") })),
);

// What the employee has written down (MEMORY.md, memory/*.md), read from its workspace.
employeeRoutes.get("/:id/memory", async (c) => {
  const id = employeeId(c.req.param("id"));
  const userId = currentUser(c).id;
  await getEmployee(c.var.deps, userId, id);
  await c.var.deps.limits.take(MEMORY_READS_PER_USER, userId);
  return c.json(await readMemory(c.var.deps, userId, id));
});

employeeRoutes.get("/:id/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "Connect to this URL with a WebSocket.");
  }
  return openLiveStatus(c.var.deps, currentUser(c).id, employeeId(c.req.param("id")), c.req.raw);
});
