import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { currentUser, requireUser } from "../http/session.ts";
import { jsonBody } from "../http/validate.ts";
import { CheckoutInput, handleWebhook, openPortal, startCheckout } from "../services/billing.ts";
import { BILLING_PER_USER } from "../services/rate-limits.ts";

export const billingRoutes = new Hono<AppEnv>();
billingRoutes.use("*", requireUser());

billingRoutes.post("/checkout", async (c) => {
  const { plan } = await jsonBody(c, CheckoutInput);
  await c.var.deps.limits.take(BILLING_PER_USER, currentUser(c).id);
  return c.json(await startCheckout(c.var.deps, currentUser(c).id, plan));
});

billingRoutes.post("/portal", async (c) => {
  await c.var.deps.limits.take(BILLING_PER_USER, currentUser(c).id);
  return c.json(await openPortal(c.var.deps, currentUser(c).id));
});

// Signed by Stripe, not sent by a browser: no session, no CSRF check; the signature is checked
// against the raw body, byte for byte.
export const stripeWebhookRoutes = new Hono<AppEnv>();
stripeWebhookRoutes.post("/webhook", async (c) =>
  c.json(await handleWebhook(c.var.deps, await c.req.text(), c.req.header("stripe-signature"))),
);
