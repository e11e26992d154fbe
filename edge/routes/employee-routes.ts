import { Hono } from "hono";
import { z } from "zod";
import { EMPLOYEE_ACTIONS } from "../contract/employee.ts";
import { mailLanguageOf } from "../contract/launch.ts";
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
import { backupRoutes } from "./backup-routes.ts";
import { channelRoutes } from "./channel-routes.ts";
import { chatRoutes } from "./chat-routes.ts";
import { knowledgeRoutes } from "./knowledge-routes.ts";
import { scheduleRoutes } from "./schedule-routes.ts";
import { workRoutes } from "./work-routes.ts";

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
  employees: await listEmployees(c.var.deps, currentActor(c)),
}));

endpoint(employeeRoutes, MOUNT, "POST /api/employees", async (c, input) => {
  const hire = await input.body();
  const lang = mailLanguageOf(c.req.header("cookie"));
  return { employee: await hireEmployee(c.var.deps, currentActor(c), hire, lang) };
});

endpoint(employeeRoutes, MOUNT, "GET /api/employees/:id", async (c) => ({
  employee: await getEmployee(c.var.deps, currentActor(c), employeeId(c.req.param("id"))),
}));

endpoint(employeeRoutes, MOUNT, "PATCH /api/employees/:id", async (c, input) => {
  const id = employeeId(c.req.param("id"));
  const patch = await input.body();
  return { employee: await updateEmployee(c.var.deps, currentActor(c), id, patch) };
});

endpoint(employeeRoutes, MOUNT, "DELETE /api/employees/:id", async (c) => {
  await fireEmployee(c.var.deps, currentActor(c), employeeId(c.req.param("id")));
  return { status: "removing" };
});

for (const action of EMPLOYEE_ACTIONS) {
  endpoint(employeeRoutes, MOUNT, `POST /api/employees/:id/${action}`, async (c) => ({
    employee: await actOnEmployee(
      c.var.deps,
      currentActor(c),
      employeeId(c.req.param("id")),
      action,
    ),
  }));
}

// The verbs take the person's rate limits themselves, after ownership, role and state: a flood
// of requests for foreign or unknown ids cannot lock the person out of their own employees.
endpoint(employeeRoutes, MOUNT, "POST /api/employees/:id/access", async (c, input) => {
  const id = employeeId(c.req.param("id"));
  const { service } = input.query();
  return accessUrls(c.var.deps, currentActor(c), id, service);
});

// The employee's own knowledge folder.
employeeRoutes.route(
  "/:id/knowledge",
  knowledgeRoutes("/api/employees/:id/knowledge", (param) => ({
    kind: "employee",
    employeeId: employeeId(param("id")),
  })),
);

// Its restore points: the list, one taken now, a restore.
employeeRoutes.route("/:id", backupRoutes);

// The workspace chat: conversations, messages, stop, attachments.
employeeRoutes.route("/:id", chatRoutes);

// Its channels (issue 17): list, connect or change, test, remove.
employeeRoutes.route("/:id", channelRoutes);

// Its scheduled work, work ledger and report card (issue 18).
employeeRoutes.route("/:id", scheduleRoutes);
employeeRoutes.route("/:id", workRoutes);

// What the employee has written down (MEMORY.md, memory/*.md), read from its workspace.
endpoint(employeeRoutes, MOUNT, "GET /api/employees/:id/memory", async (c) =>
  readMemory(c.var.deps, currentActor(c), employeeId(c.req.param("id"))),
);

employeeRoutes.get("/:id/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "Connect to this URL with a WebSocket.");
  }
  return openLiveStatus(c.var.deps, currentActor(c), employeeId(c.req.param("id")), c.req.raw);
});
