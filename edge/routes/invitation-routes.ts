import { Hono } from "hono";
import { unauthorized } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { acceptInvitation, previewInvitation } from "../services/invitations.ts";

// The invitation link's two requests, made by the app's /invite page: what it offers (signed out
// too; never spends it) and accepting it (signed in; CSRF-checked like every POST).
const MOUNT = "/api/invitation";
export const invitationRoutes = new Hono<AppEnv>();

endpoint(invitationRoutes, MOUNT, "GET /api/invitation", async (c, input) => {
  const { token } = input.query();
  c.header("cache-control", "no-store");
  return previewInvitation(c.var.deps, token);
});

endpoint(invitationRoutes, MOUNT, "POST /api/invitation/accept", async (c, input) => {
  const session = c.var.session;
  if (!session) throw unauthorized();
  const { token } = await input.body();
  const account = await acceptInvitation(c.var.deps, {
    token,
    user: session.user,
    sessionId: session.id,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null,
  });
  return { account };
});
