import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { handleWebhook, openPortal, startCheckout } from "../services/billing.ts";

export const billingRoutes = new Hono<AppEnv>();
billingRoutes.use("*", requireMember());

endpoint(billingRoutes, "/api/billing", "POST /api/billing/checkout", async (c, input) => {
  const { plan } = await input.body();
  return startCheckout(c.var.deps, currentActor(c), plan);
});

endpoint(billingRoutes, "/api/billing", "POST /api/billing/portal", async (c) =>
  openPortal(c.var.deps, currentActor(c)),
);

// Signed by Stripe, not sent by a browser: no session, no CSRF check; the signature is checked
// against the raw body, byte for byte.
export const stripeWebhookRoutes = new Hono<AppEnv>();
stripeWebhookRoutes.post("/webhook", async (c) =>
  c.json(await handleWebhook(c.var.deps, await c.req.text(), c.req.header("stripe-signature"))),
);
