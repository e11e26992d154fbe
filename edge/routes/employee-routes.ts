import { Hono } from "hono";
import { z } from "zod";
import { EMPLOYEE_ACTIONS } from "../contract/employee.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { accessUrls } from "../services/access.ts";
import {
  actOnEmployee,
  fireEmployee,
  getEmployee,
  hireEmployee,
  listEmployees,
  openLiveStatus,
  readMemory,
  updateEmployee,
} from "../services/employees.ts";
import { ACCESS_PER_USER, HIRES_PER_USER, MEMORY_READS_PER_USER } from "../services/rate-limits.ts";
import { knowledgeRoutes } from "./knowledge-routes.ts";

const MOUNT = "/api/employees";
export const employeeRoutes = new Hono<AppEnv>();
employeeRoutes.use("*", requireMember());

const EmployeeId = z.object({ id: z.uuid({ message: "Not an employee id." }) });
// A malformed id cannot name anything, so it is answered like any unknown employee.
function employeeId(raw: string | undefined): string {
  const parsed = EmployeeId.safeParse({ id: raw });
  if (!parsed.success) throw new ApiError(404, "not_found", "That employee does not exist.");
  return parsed.data.id;
}

endpoint(employeeRoutes, MOUNT, "GET /api/employees", async (c) => ({
  employees: await listEmployees(c.var.deps, currentActor(c).accountId),
}));

endpoint(employeeRoutes, MOUNT, "POST /api/employees", async (c, input) => {
  const hire = await input.body();
  await c.var.deps.limits.take(HIRES_PER_USER, currentActor(c).userId);
  return { employee: await hireEmployee(c.var.deps, currentActor(c).accountId, hire) };
});

endpoint(employeeRoutes, MOUNT, "GET /api/employees/:id", async (c) => ({
  employee: await getEmployee(c.var.deps, currentActor(c).accountId, employeeId(c.req.param("id"))),
}));

endpoint(employeeRoutes, MOUNT, "PATCH /api/employees/:id", async (c, input) => {
  const id = employeeId(c.req.param("id"));
  const patch = await input.body();
  return { employee: await updateEmployee(c.var.deps, currentActor(c).accountId, id, patch) };
});

endpoint(employeeRoutes, MOUNT, "DELETE /api/employees/:id", async (c) => {
  await fireEmployee(c.var.deps, currentActor(c).accountId, employeeId(c.req.param("id")));
  return { status: "removing" };
});

for (const action of EMPLOYEE_ACTIONS) {
  endpoint(employeeRoutes, MOUNT, `POST /api/employees/:id/${action}`, async (c) => ({
    employee: await actOnEmployee(
      c.var.deps,
      currentActor(c).accountId,
      employeeId(c.req.param("id")),
      action,
    ),
  }));
}

// Limits count only requests that could succeed: the employee is checked to be the person's own
// (and, for access, running) before a request takes from the person's limit, so a flood of
// requests for foreign or unknown ids cannot lock the person out of their own employees.
endpoint(employeeRoutes, MOUNT, "POST /api/employees/:id/access", async (c) => {
  const id = employeeId(c.req.param("id"));
  const userId = currentActor(c).accountId;
  const employee = await getEmployee(c.var.deps, userId, id);
  // A stopped employee's request is refused below (409) without counting.
  if (employee.status === "running") await c.var.deps.limits.take(ACCESS_PER_USER, userId);
  return accessUrls(c.var.deps, userId, id);
});

// The employee's own knowledge folder.
employeeRoutes.route(
  "/:id/knowledge",
  knowledgeRoutes("/api/employees/:id/knowledge", (param) => ({
    kind: "employee",
    employeeId: employeeId(param("id")),
  })),
);

// What the employee has written down (MEMORY.md, memory/*.md), read from its workspace.
endpoint(employeeRoutes, MOUNT, "GET /api/employees/:id/memory", async (c) => {
  const id = employeeId(c.req.param("id"));
  const userId = currentActor(c).accountId;
  await getEmployee(c.var.deps, userId, id);
  await c.var.deps.limits.take(MEMORY_READS_PER_USER, userId);
  return readMemory(c.var.deps, userId, id);
});

employeeRoutes.get("/:id/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "Connect to this URL with a WebSocket.");
  }
  return openLiveStatus(
    c.var.deps,
    currentActor(c).accountId,
    employeeId(c.req.param("id")),
    c.req.raw,
  );
});
