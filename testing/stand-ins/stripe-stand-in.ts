import type { IncomingMessage, ServerResponse } from "node:http";

// Stripe's API as a loopback stand-in for the calls the edge makes, in Stripe's wire format:
// form-encoded requests (`metadata[accountId]=…`, `line_items[0][price]=…`), bearer secret key,
// Idempotency-Key replays, JSON objects with `object` and `id`, and Stripe's error envelope.
// The stripe package itself is pointed here (STRIPE_API_URL). Tests read what was asked at
// /stripe/_test/requests and register subscriptions at /stripe/_test/subscriptions. Customers
// made here can be deleted (DELETE /v1/customers/:id answers Stripe's deleted object once, then
// 404 resource_missing, as Stripe does).
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
    return answer({
      id: sessionId,
      object: "checkout.session",
      mode: params.mode,
      customer: params.customer,
      client_reference_id: params.client_reference_id ?? null,
      metadata: pick(params, "metadata"),
      success_url: params.success_url,
      cancel_url: params.cancel_url,
      status: "open",
      url: `https://checkout.stripe.com/c/pay/${sessionId}`,
    });
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
      url: `https://billing.stripe.com/p/session/${portalId}`,
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

// `metadata[accountId]=x` → {accountId: "x"}
function pick(params: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const m = new RegExp(`^${prefix}\\[([^\\]]+)\\]$`).exec(k);
    if (m?.[1]) out[m[1]] = v;
  }
  return out;
}
