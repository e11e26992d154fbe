import Stripe from "stripe";

// Stripe Checkout's hosted page, as the Stripe stand-in serves it (stripe-stand-in.ts): the
// page a checkout session's `url` opens, and what paying on it does at Stripe. The subscription
// is made, the session completes, and Stripe's webhooks follow, signed with the webhook secret
// the way Stripe signs them (the stripe package's own generateTestHeaderString), so the edge's
// billing code takes them exactly as it takes Stripe's.

/** A checkout session as the stand-in keeps it: Stripe's object and what it was asked for. */
export interface StandInSession {
  id: string;
  object: "checkout.session";
  mode: string;
  customer: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string;
  status: "open" | "complete";
  payment_status: "unpaid" | "paid";
  subscription: string | null;
  url: string;
  /** Not Stripe's: the price bought and the metadata the subscription is to carry. */
  price: string;
  subscriptionMetadata: Record<string, string>;
}

/** One signed webhook as it was (or would have been) sent. */
export interface Delivery {
  session: string;
  type: string;
  payload: string;
  signature: string;
  /** The receiver's HTTP status; null when no webhook URL is set (tests forward it themselves). */
  status: number | null;
}

const DAY_S = 86_400;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hosted Checkout page: what is bought, a Pay button, and the way back. */
export function checkoutPage(session: StandInSession, planName: string): string {
  const done = session.status === "complete";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout (local Stripe stand-in)</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;border:1px solid #d0d7de}
h1{font-size:1.4rem;margin:0 0 1rem}
p.note{color:#4a5568;font-size:.9rem}
button{font:inherit;width:100%;padding:.75rem;border:0;border-radius:8px;background:#4338ca;color:#fff;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
a{color:#3730a3}
</style>
</head>
<body>
<main>
<h1>Subscribe to ${escapeHtml(planName)}</h1>
<p>Checkout session <code>${escapeHtml(session.id)}</code> for customer <code>${escapeHtml(session.customer)}</code>.</p>
<p class="note">This is the local stand-in of Stripe Checkout (development only): paying here charges nothing; it marks the session paid and sends Stripe's signed webhooks to the local edge.</p>
${
  done
    ? `<p role="status">This session is already paid.</p><p><a href="${escapeHtml(successUrl(session))}">Back to InstantWorker</a></p>`
    : `<form method="post" action="/stripe/checkout/${escapeHtml(session.id)}/pay">
<button type="submit">Pay</button>
</form>
<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`
}
</main>
</body>
</html>`;
}

/** Where Stripe sends the buyer after paying: success_url with the session's id filled in. */
export const successUrl = (session: StandInSession) =>
  session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id);

/** The subscription paying makes, in Stripe's shape (the fields the edge reads). */
export function subscriptionFor(session: StandInSession, id: string, now: number) {
  return {
    id,
    object: "subscription",
    customer: session.customer,
    status: "active",
    created: now,
    cancel_at_period_end: false,
    livemode: false,
    metadata: session.subscriptionMetadata,
    items: {
      object: "list",
      data: [
        {
          id: `si_${id.slice(4)}`,
          object: "subscription_item",
          price: { id: session.price, object: "price" },
          quantity: 1,
          current_period_start: now,
          current_period_end: now + 30 * DAY_S,
        },
      ],
    },
  };
}

/** The events Stripe sends once a subscription checkout is paid, oldest first. */
export function paidEvents(
  session: StandInSession,
  subscription: ReturnType<typeof subscriptionFor>,
  invoiceId: string,
  now: number,
): { type: string; object: unknown }[] {
  return [
    { type: "checkout.session.completed", object: withoutOwn(session) },
    { type: "customer.subscription.created", object: subscription },
    {
      type: "invoice.paid",
      object: {
        id: invoiceId,
        object: "invoice",
        customer: session.customer,
        status: "paid",
        created: now,
        parent: {
          type: "subscription_details",
          subscription_details: {
            subscription: subscription.id,
            metadata: session.subscriptionMetadata,
          },
        },
      },
    },
  ];
}

// The session as Stripe shows it, without the stand-in's own bookkeeping.
function withoutOwn(session: StandInSession) {
  const { price: _price, subscriptionMetadata: _meta, ...stripe } = session;
  return stripe;
}

const signer = new Stripe("sk_test_signer_only");

/** An event's payload and its Stripe-Signature header. */
export function signEvent(
  id: string,
  type: string,
  object: unknown,
  created: number,
  secret: string,
): { payload: string; signature: string } {
  const payload = JSON.stringify({
    id,
    object: "event",
    api_version: "2025-10-29.clover",
    created,
    livemode: false,
    pending_webhooks: 1,
    type,
    data: { object },
  });
  return { payload, signature: signer.webhooks.generateTestHeaderString({ payload, secret }) };
}

/** Posts one signed event to the webhook URL, as Stripe does; answers the receiver's status. */
export async function sendEvent(
  url: string,
  event: { payload: string; signature: string },
): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": event.signature },
    body: event.payload,
  });
  await res.arrayBuffer();
  return res.status;
}
