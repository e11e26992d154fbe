import { Hono } from "hono";
import { z } from "zod";
import { clearSessionCookie } from "../auth/session-cookie.ts";
import { notFound, unauthorized } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { endOtherSessions, endUserSession, listUserSessions } from "../services/user-sessions.ts";

const MOUNT = "/api/sessions";
export const sessionRoutes = new Hono<AppEnv>();
sessionRoutes.use("*", requireMember());

// UUIDs, or 32 hex digits for sessions the accounts migration gave an id.
const SessionId = z.string().regex(/^[0-9a-f-]{32,36}$/);

function currentSessionId(c: { var: AppEnv["Variables"] }): string {
  const session = c.var.session;
  if (!session) throw unauthorized();
  return session.id;
}

endpoint(sessionRoutes, MOUNT, "GET /api/sessions", async (c) => ({
  sessions: await listUserSessions(c.var.deps, currentActor(c), currentSessionId(c)),
}));

endpoint(sessionRoutes, MOUNT, "DELETE /api/sessions/:id", async (c) => {
  const parsed = SessionId.safeParse(c.req.param("id"));
  if (!parsed.success) throw notFound("session");
  const ended = await endUserSession(c.var.deps, currentActor(c), {
    id: parsed.data,
    currentId: currentSessionId(c),
  });
  // Ending the session this browser uses signs it out here as well.
  if (ended.current) clearSessionCookie(c);
  return null;
});

endpoint(sessionRoutes, MOUNT, "DELETE /api/sessions", async (c) => {
  await endOtherSessions(c.var.deps, currentActor(c), currentSessionId(c));
  return null;
});
