import type { Context } from "hono";

// Cloudflare sets CF-Connecting-IP at its edge and a client cannot override it there; locally
// (wrangler dev, tests) it may be absent, and all such callers share one bucket.
export function clientIp(c: Context): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}
