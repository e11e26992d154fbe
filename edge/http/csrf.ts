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
