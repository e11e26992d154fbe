import { Hono } from "hono";
import { z } from "zod";
import { ChannelKind } from "../contract/channels.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor } from "../http/session.ts";
import { listChannels, putChannel, removeChannel, testChannel } from "../services/channels.ts";

// An employee's channels (issue 17), mounted by employee-routes.ts under /api/employees/:id,
// which has checked the session. The verbs check the account (404), the role (403) and the rate.
const MOUNT = "/api/employees/:id";
export const channelRoutes = new Hono<AppEnv>();

// A malformed id or an unknown kind cannot name anything, so each is answered like an unknown one.
const Uuid = z.uuid();
function employeeIdOf(raw: string | undefined): string {
  const parsed = Uuid.safeParse(raw);
  if (!parsed.success) throw new ApiError(404, "not_found", "That employee does not exist.");
  return parsed.data;
}
function kindOf(raw: string | undefined): ChannelKind {
  const parsed = z.safeParse(ChannelKind, raw);
  if (!parsed.success) throw new ApiError(404, "not_found", "There is no such channel.");
  return parsed.data;
}

endpoint(channelRoutes, MOUNT, "GET /api/employees/:id/channels", async (c) => ({
  channels: await listChannels(c.var.deps, currentActor(c), employeeIdOf(c.req.param("id"))),
}));

endpoint(channelRoutes, MOUNT, "PUT /api/employees/:id/channels/:kind", async (c, input) => {
  const id = employeeIdOf(c.req.param("id"));
  const kind = kindOf(c.req.param("kind"));
  return putChannel(c.var.deps, currentActor(c), id, kind, await input.body());
});

endpoint(channelRoutes, MOUNT, "DELETE /api/employees/:id/channels/:kind", async (c) => {
  const id = employeeIdOf(c.req.param("id"));
  await removeChannel(c.var.deps, currentActor(c), id, kindOf(c.req.param("kind")));
  return null;
});

endpoint(channelRoutes, MOUNT, "POST /api/employees/:id/channels/:kind/test", async (c) => {
  const id = employeeIdOf(c.req.param("id"));
  const kind = kindOf(c.req.param("kind"));
  return { channel: await testChannel(c.var.deps, currentActor(c), id, kind) };
});
