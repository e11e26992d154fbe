import type { MiddlewareHandler } from "hono";
import {
  clearSessionCookie,
  readSessionCookie,
  writeSessionCookie,
} from "../auth/session-cookie.ts";
import { readSession } from "../auth/sessions.ts";
import { type Actor, resolveActor } from "../services/actor.ts";
import { ApiError, unauthorized } from "./api-error.ts";
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

/** The header in which the app names the account its page shows (docs/api.md). */
export const ACCOUNT_HEADER = "X-Account-Id";
// Our ids are UUIDs; older ones kept by migration 0008 are shorter, never outside this shape.
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A signed-in person acting in their active account (services/actor.ts resolveActor).
 *
 * The active account is one value per session, shared by all its tabs. A page names the account
 * it shows in X-Account-Id, and a request from a page showing another account than the one now
 * acted in (switched in another tab, or a fallback after a removal) is refused with 409
 * account_changed before it reads or changes anything. Requests without the header (API
 * clients, scripts) act in the active account as before. `anyShownAccount` is for the switch
 * itself, which is how a page showing another account leaves it.
 */
export function requireMember(opts: { anyShownAccount?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = c.var.session;
    if (!session) throw unauthorized();
    const shown = opts.anyShownAccount ? undefined : shownAccount(c.req.header(ACCOUNT_HEADER));
    const actor = await resolveActor(c.var.deps, session.user, session.activeAccountId, {
      ip: c.req.header("cf-connecting-ip") ?? null,
      userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null,
    });
    c.set("actor", actor);
    c.set("log", c.var.log.child({ accountId: actor.accountId }));
    if (shown !== undefined && shown !== actor.accountId) {
      c.var.log.info("request from a page showing another account", { shown });
      throw new ApiError(
        409,
        "account_changed",
        "This page shows another team than the one you are now working in. Reload to continue.",
      );
    }
    return next();
  };
}

function shownAccount(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!ACCOUNT_ID.test(header)) {
    throw new ApiError(400, "invalid_input", "X-Account-Id is not an account id.", {
      [ACCOUNT_HEADER]: "not an account id",
    });
  }
  return header;
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
