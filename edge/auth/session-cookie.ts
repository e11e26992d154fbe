import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/app-env.ts";

// Outside development the cookie is Secure and carries the __Host- prefix, which browsers only
// accept for Secure, host-only, Path=/ cookies: no subdomain (such as an employee's access host)
// can set or shadow it.
function cookieName(secure: boolean): string {
  return secure ? "__Host-iw_session" : "iw_session";
}

function isSecure(c: Context<AppEnv>): boolean {
  return c.var.deps.config.ENVIRONMENT !== "development";
}

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, cookieName(isSecure(c)));
}

export function writeSessionCookie(c: Context<AppEnv>, token: string, expiresAt: number): void {
  const secure = isSecure(c);
  setCookie(c, cookieName(secure), token, {
    httpOnly: true,
    secure,
    sameSite: "Lax",
    path: "/",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const secure = isSecure(c);
  deleteCookie(c, cookieName(secure), { path: "/", secure, httpOnly: true, sameSite: "Lax" });
}
