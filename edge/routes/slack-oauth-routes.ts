import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { loadSession } from "../http/session.ts";
import { completeSlackInstall } from "../services/slack-install.ts";

// "Add to Slack" returns here (GET /channels/slack/oauth/callback?code&state), outside /api: a
// top-level navigation from Slack, so no CSRF header, but the session cookie (SameSite=Lax) is
// sent and must be the person's who started it. Success sends the browser back to the employee's
// page in the app; a refusal is the one JSON error shape.
export const slackOAuthRoutes = new Hono<AppEnv>();

slackOAuthRoutes.get("/callback", loadSession(), async (c) => {
  const page = await completeSlackInstall(
    c.var.deps,
    {
      user: c.var.user,
      ip: c.req.header("cf-connecting-ip") ?? null,
      userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null,
    },
    { code: c.req.query("code"), state: c.req.query("state"), error: c.req.query("error") },
  );
  return c.redirect(page, 302);
});
