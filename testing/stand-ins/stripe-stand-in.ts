import type { IncomingMessage, ServerResponse } from "node:http";
import {
  checkoutPage,
  type Delivery,
  paidEvents,
  type StandInSession,
  sendEvent,
  signEvent,
  subscriptionFor,
  successUrl,
} from "./stripe-checkout-page.ts";

// Stripe's API as a loopback stand-in for the calls the edge makes, in Stripe's wire format:
// form-encoded requests (`metadata[accountId]=…`, `line_items[0][price]=…`), bearer secret key,
// Idempotency-Key replays, JSON objects with `object` and `id`, and Stripe's error envelope.
// The stripe package itself is pointed here (STRIPE_API_URL). Tests read what was asked at
// /stripe/_test/requests and register subscriptions at /stripe/_test/subscriptions. Customers
// made here can be deleted (DELETE /v1/customers/:id answers Stripe's deleted object once, then
// 404 resource_missing, as Stripe does).
// A checkout session's `url` is the stand-in's own Checkout page on loopback
// (/stripe/checkout/:id, stripe-checkout-page.ts): its Pay button makes the subscription, sends
// the signed webhooks to the URL set with setStripeWebhookUrl (`npm run dev` sets the local
// edge's), records them at /stripe/_test/deliveries?session= (tests without a listening edge
// forward them), and redirects to the session's success_url.
export const STRIPE_SECRET_KEY = "sk_test_standin";
export const STRIPE_WEBHOOK_SECRET = "whsec_standin";
export const STRIPE_PRICES = {
  starter: "price_starter",
  pro: "price_pro",
  business: "price_business",
};

interface Recorded {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | null;
}
const requests: Recorded[] = [];
const replays = new Map<string, unknown>();
const subscriptions = new Map<string, unknown>();
const customers = new Set<string>();
const sessions = new Map<string, StandInSession>();
const deliveries: Delivery[] = [];
const PLAN_NAMES: Record<string, string> = {
  [STRIPE_PRICES.starter]: "Starter",
  [STRIPE_PRICES.pro]: "Pro",
  [STRIPE_PRICES.business]: "Business",
};
let webhookUrl: string | undefined;

/** Where paying on the Checkout page sends Stripe's webhooks (the edge's /api/stripe/webhook). */
export function setStripeWebhookUrl(url: string | undefined): void {
  webhookUrl = url;
}
let counter = 0;
const id = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(8, "0")}`;

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json", "request-id": id("req") });
  res.end(JSON.stringify(body));
  return true;
}

const stripeError = (
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
) => send(res, status, { error: { type, message, ...extra } });

export async function handleStripe(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<boolean> {
  if (url.pathname === "/stripe/_test/requests") {
    if (req.method === "DELETE") requests.length = 0;
    return send(res, 200, { requests });
  }
  if (url.pathname === "/stripe/_test/subscriptions" && req.method === "POST") {
    const sub = JSON.parse(body) as { id: string };
    subscriptions.set(sub.id, sub);
    return send(res, 200, sub);
  }
  if (url.pathname === "/stripe/_test/deliveries") {
    const session = url.searchParams.get("session");
    return send(res, 200, {
      deliveries: deliveries.filter((d) => !session || d.session === session),
    });
  }
  if (url.pathname.startsWith("/stripe/checkout/")) return checkout(req, res, url);
  if (url.pathname.startsWith("/stripe/portal/")) return portal(res, url);
  if (!url.pathname.startsWith("/v1/")) return false;
  if (req.headers.authorization !== `Bearer ${STRIPE_SECRET_KEY}`)
    return stripeError(res, 401, "invalid_request_error", "Invalid API Key provided.");
  const params = Object.fromEntries(new URLSearchParams(body));
  const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
  requests.push({ method: req.method ?? "GET", path: url.pathname, params, idempotencyKey });
  const replayKey = idempotencyKey && `${req.method} ${url.pathname} ${idempotencyKey}`;
  if (replayKey && replays.has(replayKey)) return send(res, 200, replays.get(replayKey));
  const answer = (obj: unknown) => {
    if (replayKey) replays.set(replayKey, obj);
    return send(res, 200, obj);
  };

  if (req.method === "POST" && url.pathname === "/v1/customers") {
    const customerId = id("cus");
    customers.add(customerId);
    return answer({
      id: customerId,
      object: "customer",
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: pick(params, "metadata"),
      livemode: false,
    });
  }
  if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
    if (!params.customer || !params["line_items[0][price]"])
      return stripeError(res, 400, "invalid_request_error", "Missing required param: line_items.");
    const sessionId = id("cs_test");
    const session: StandInSession = {
      id: sessionId,
      object: "checkout.session",
      mode: params.mode ?? "subscription",
      customer: params.customer,
      client_reference_id: params.client_reference_id ?? null,
      metadata: pick(params, "metadata"),
      success_url: params.success_url ?? "",
      cancel_url: params.cancel_url ?? "",
      status: "open",
      payment_status: "unpaid",
      subscription: null,
      url: `${origin(req)}/stripe/checkout/${sessionId}`,
      price: params["line_items[0][price]"],
      subscriptionMetadata: pick(params, "subscription_data[metadata]"),
    };
    sessions.set(sessionId, session);
    const { price: _price, subscriptionMetadata: _meta, ...stripeSession } = session;
    return answer(stripeSession);
  }
  if (req.method === "POST" && url.pathname === "/v1/billing_portal/sessions") {
    if (!params.customer)
      return stripeError(res, 400, "invalid_request_error", "Missing required param: customer.");
    const portalId = id("bps");
    return answer({
      id: portalId,
      object: "billing_portal.session",
      customer: params.customer,
      return_url: params.return_url ?? null,
      url: `${origin(req)}/stripe/portal/${portalId}?return=${encodeURIComponent(params.return_url ?? "")}`,
    });
  }
  const customer = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname);
  if (req.method === "DELETE" && customer?.[1]) {
    if (!customers.delete(customer[1]))
      return stripeError(res, 404, "invalid_request_error", `No such customer: '${customer[1]}'`, {
        code: "resource_missing",
        param: "id",
      });
    return send(res, 200, { id: customer[1], object: "customer", deleted: true });
  }
  const sub = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && sub?.[1]) {
    const found = subscriptions.get(sub[1]);
    if (!found)
      return stripeError(res, 404, "invalid_request_error", `No such subscription: '${sub[1]}'`);
    return send(res, 200, found);
  }
  return stripeError(
    res,
    404,
    "invalid_request_error",
    `Unrecognized request URL (${req.method}: ${url.pathname}).`,
  );
}

// The stand-in as the browser reaches it: the host the stripe package called (loopback).
const origin = (req: IncomingMessage) => `http://${req.headers.host ?? "127.0.0.1"}`;

// GET /stripe/checkout/:id: the hosted page; POST …/pay: paying on it.
async function checkout(req: IncomingMessage, res: ServerResponse, url: URL): Promise<true> {
  const [, , , sessionId, action] = url.pathname.split("/");
  const session = sessionId ? sessions.get(sessionId) : undefined;
  if (!session)
    return html(
      res,
      404,
      "<!doctype html><title>Not found</title><p>No such checkout session.</p>",
    );
  if (req.method === "GET" && !action)
    return html(res, 200, checkoutPage(session, PLAN_NAMES[session.price] ?? session.price));
  if (req.method !== "POST" || action !== "pay")
    return html(res, 405, "<!doctype html><title>Method not allowed</title>");
  if (session.status === "open") {
    const now = Math.floor(Date.now() / 1000);
    const sub = subscriptionFor(session, id("sub"), now);
    subscriptions.set(sub.id, sub);
    Object.assign(session, { status: "complete", payment_status: "paid", subscription: sub.id });
    for (const event of paidEvents(session, sub, id("in"), now)) {
      const signed = signEvent(id("evt"), event.type, event.object, now, STRIPE_WEBHOOK_SECRET);
      const status = webhookUrl ? await sendEvent(webhookUrl, signed) : null;
      deliveries.push({ session: session.id, type: event.type, ...signed, status });
      if (status !== null && status >= 300)
        return html(
          res,
          502,
          `<!doctype html><title>Webhook refused</title><p>The edge answered ${status} to ${event.type}.</p>`,
        );
    }
  }
  res.writeHead(303, { location: successUrl(session) });
  res.end();
  return true;
}

// The billing portal's page: nothing to manage locally but the way back.
function portal(res: ServerResponse, url: URL): true {
  const back = url.searchParams.get("return") ?? "/";
  return html(
    res,
    200,
    `<!doctype html><html lang="en"><title>Billing portal (local Stripe stand-in)</title><main><h1>Billing portal</h1><p>The local stand-in of Stripe's billing portal has nothing to change.</p><p><a href="${back.replace(/"/g, "&quot;")}">Back to InstantWorker</a></p></main></html>`,
  );
}

function html(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(body);
  return true;
}

// `metadata[accountId]=x` → {accountId: "x"}
function pick(params: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const escaped = prefix.replace(/[[\]]/g, "\\$&");
  for (const [k, v] of Object.entries(params)) {
    const m = new RegExp(`^${escaped}\\[([^\\]]+)\\]$`).exec(k);
    if (m?.[1]) out[m[1]] = v;
  }
  return out;
}
