import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor } from "../http/session.ts";
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  patchSchedule,
} from "../services/schedules.ts";

// An employee's scheduled work (issue 18), mounted by employee-routes.ts under /api/employees/:id,
// which has checked the session. The verbs check the account (404), the role (403), the input
// and the rate.
const MOUNT = "/api/employees/:id";
export const scheduleRoutes = new Hono<AppEnv>();

// A malformed id cannot name anything, so it is answered like an unknown one.
const Uuid = z.uuid();
function idOf(raw: string | undefined, what: "employee" | "scheduled task"): string {
  const parsed = Uuid.safeParse(raw);
  if (!parsed.success) throw new ApiError(404, "not_found", `That ${what} does not exist.`);
  return parsed.data;
}

endpoint(scheduleRoutes, MOUNT, "GET /api/employees/:id/schedules", async (c) => ({
  schedules: await listSchedules(c.var.deps, currentActor(c), idOf(c.req.param("id"), "employee")),
}));

endpoint(scheduleRoutes, MOUNT, "POST /api/employees/:id/schedules", async (c, input) => {
  const id = idOf(c.req.param("id"), "employee");
  const body = await input.body();
  return { schedule: await createSchedule(c.var.deps, currentActor(c), id, body) };
});

endpoint(
  scheduleRoutes,
  MOUNT,
  "PATCH /api/employees/:id/schedules/:scheduleId",
  async (c, input) => {
    const id = idOf(c.req.param("id"), "employee");
    const scheduleId = idOf(c.req.param("scheduleId"), "scheduled task");
    const body = await input.body();
    return { schedule: await patchSchedule(c.var.deps, currentActor(c), id, scheduleId, body) };
  },
);

endpoint(scheduleRoutes, MOUNT, "DELETE /api/employees/:id/schedules/:scheduleId", async (c) => {
  const id = idOf(c.req.param("id"), "employee");
  const scheduleId = idOf(c.req.param("scheduleId"), "scheduled task");
  await deleteSchedule(c.var.deps, currentActor(c), id, scheduleId);
  return null;
});
