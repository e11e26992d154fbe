import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/app-env.ts";

// Outside development the cookie is Secure and carries the __Host- prefix, which browsers only
// accept for Secure, host-only, Path=/ cookies: no subdomain (such as an employee's access host)
// can set or shadow it.
function cookieName(secure: boolean): string {
  return secure ? "__Host-iw_session" : "iw_session";
}

// The Google flow's state and PKCE verifier get the same protection: without the prefix, code in
// an employee's browser (its access host is a subdomain) could plant its own flow's cookies for
// the parent domain and sign the customer into the planter's account (login CSRF). __Host-
// requires Path=/, so the flow's cookies travel with every request for their ten minutes.
export function flowCookie(name: string, secure: boolean): { name: string; path: string } {
  return secure ? { name: `__Host-${name}`, path: "/" } : { name, path: "/api/auth/google" };
}

export function isSecure(c: Context<AppEnv>): boolean {
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
