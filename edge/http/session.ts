import type { MiddlewareHandler } from "hono";
import {
  clearSessionCookie,
  readSessionCookie,
  writeSessionCookie,
} from "../auth/session-cookie.ts";
import { readSession } from "../auth/sessions.ts";
import { unauthorized } from "./api-error.ts";
import type { AppEnv } from "./app-env.ts";

// Reads the session cookie when present; routes that need a person add requireUser().
export function loadSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = readSessionCookie(c);
    if (token) {
      const session = await readSession(c.var.deps, token);
      if (session) {
        c.set("user", session.user);
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

export function currentUser(c: { var: AppEnv["Variables"] }) {
  const user = c.var.user;
  if (!user) throw unauthorized();
  return user;
}
