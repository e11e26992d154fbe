import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.ts";
import type { AppEnv } from "./app-env.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// Browsers send Origin with every cross-origin request and with same-origin POSTs; where an old
// one sends only Sec-Fetch-Site, that is checked instead. A state-changing request from another
// site is refused before any handler runs. Requests with neither header come from non-browser
// clients, which cannot carry a victim's cookies.
export function csrfProtection(
  opts: { exempt?: (path: string) => boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || opts.exempt?.(c.req.path)) return next();
    const origin = c.req.header("origin");
    const allowed = new Set([c.var.deps.config.appOrigin, new URL(c.req.url).origin]);
    const crossSite =
      origin !== undefined ? !allowed.has(origin) : c.req.header("sec-fetch-site") === "cross-site";
    if (crossSite) {
      c.var.log.warn("cross-site request refused", { origin, path: c.req.path });
      throw new ApiError(
        403,
        "csrf_rejected",
        "This request came from another site and was refused.",
      );
    }
    return next();
  };
}

// Signing in with an emailed link is the one state change a browser makes with a plain form
// (it works without JavaScript, so no preflight stands in the way). The general check above lets
// through requests without an Origin and requests from the host they were sent to; this one
// accepts only the app's own origin, so no other page can sign a visitor into an account of its
// choosing.
export function requireAppOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== c.var.deps.config.appOrigin) {
      c.var.log.warn("sign-in from another origin refused", { origin, path: c.req.path });
      throw new ApiError(
        403,
        "csrf_rejected",
        "This sign-in did not come from our own page and was refused.",
      );
    }
    return next();
  };
}
