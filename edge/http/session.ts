import type { MiddlewareHandler } from "hono";
import {
  clearSessionCookie,
  readSessionCookie,
  writeSessionCookie,
} from "../auth/session-cookie.ts";
import { readSession } from "../auth/sessions.ts";
import { type Actor, resolveActor } from "../services/actor.ts";
import { unauthorized } from "./api-error.ts";
import type { AppEnv } from "./app-env.ts";
import { clientIp } from "./client-ip.ts";

// Reads the session cookie when present; routes that need a person add requireUser(), routes
// that act in an account add requireMember().
export function loadSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = readSessionCookie(c);
    if (token) {
      const session = await readSession(c.var.deps, token, clientIp(c));
      if (session) {
        c.set("user", session.user);
        c.set("session", session);
        c.set("log", c.var.log.child({ userId: session.user.id }));
        if (session.renewedUntil) writeSessionCookie(c, token, session.renewedUntil);
      } else {
        clearSessionCookie(c);
      }
    }
    return next();
  };
}

export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.var.user) throw unauthorized();
    return next();
  };
}

/** A signed-in person acting in their active account (services/actor.ts resolveActor). */
export function requireMember(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = c.var.session;
    if (!session) throw unauthorized();
    const actor = await resolveActor(c.var.deps, session.user, session.activeAccountId, {
      ip: c.req.header("cf-connecting-ip") ?? null,
      userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null,
    });
    c.set("actor", actor);
    c.set("log", c.var.log.child({ accountId: actor.accountId }));
    return next();
  };
}

export function currentUser(c: { var: AppEnv["Variables"] }) {
  const user = c.var.user;
  if (!user) throw unauthorized();
  return user;
}

export function currentActor(c: { var: AppEnv["Variables"] }): Actor {
  const actor = c.var.actor;
  if (!actor) throw unauthorized();
  return actor;
}
