import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandIns } from "../stand-ins/stand-in-server.ts";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
  setStripeWebhookUrl,
} from "../stand-ins/stripe-stand-in.ts";

// The Checkout stand-in `npm run dev` sends an upgrade to: its Pay button posts Stripe's signed
// webhooks to the URL it is given, and they verify with the stripe package as Stripe's do.
// (edge/test/billing-checkout-page.test.ts hands the same deliveries to the edge itself.)

let standIns: { url: string; server: Server };
let receiver: Server;
let receiverUrl: string;
let answer = 200;
const received: { type: string; subscription?: string; metadata?: unknown }[] = [];
const stripe = new Stripe(STRIPE_SECRET_KEY);

beforeAll(async () => {
  standIns = await startStandIns();
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    // Throws on a bad signature: the test then sees fewer events than sent.
    const event = stripe.webhooks.constructEvent(
      Buffer.concat(chunks).toString(),
      String(req.headers["stripe-signature"]),
      STRIPE_WEBHOOK_SECRET,
    );
    const object = event.data.object as { subscription?: string; metadata?: unknown };
    received.push({
      type: event.type,
      subscription: object.subscription,
      metadata: object.metadata,
    });
    res.writeHead(answer).end();
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/stripe/webhook`;
  setStripeWebhookUrl(receiverUrl);
});

afterAll(async () => {
  setStripeWebhookUrl(undefined);
  await new Promise((r) => standIns.server.close(r));
  await new Promise((r) => receiver.close(r));
});

async function session(plan: keyof typeof STRIPE_PRICES) {
  const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
  const headers = {
    authorization: `Bearer ${STRIPE_SECRET_KEY}`,
    "content-type": "application/x-www-form-urlencoded",
  };
  const customer = (await (
    await fetch(`${standIns.url}/v1/customers`, { method: "POST", headers, body: form({}) })
  ).json()) as { id: string };
  return (await (
    await fetch(`${standIns.url}/v1/checkout/sessions`, {
      method: "POST",
      headers,
      body: form({
        mode: "subscription",
        customer: customer.id,
        "line_items[0][price]": STRIPE_PRICES[plan],
        "metadata[accountId]": "acc-1",
        "subscription_data[metadata][accountId]": "acc-1",
        "subscription_data[metadata][plan]": plan,
        success_url:
          "http://localhost:8787/account?checkout=success&session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "http://localhost:8787/account?checkout=cancelled",
      }),
    })
  ).json()) as { id: string; url: string };
}

describe("the Stripe Checkout stand-in", () => {
  it("serves a Checkout page whose Pay sends the signed webhooks, then goes to success_url", async () => {
    const s = await session("pro");
    expect(s.url).toBe(`${standIns.url}/stripe/checkout/${s.id}`);
    const page = await (await fetch(s.url)).text();
    expect(page).toContain("Subscribe to Pro");
    expect(page).toContain('href="http://localhost:8787/account?checkout=cancelled"');

    received.length = 0;
    const paid = await fetch(`${s.url}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(
      `http://localhost:8787/account?checkout=success&session_id=${s.id}`,
    );
    expect(received.map((e) => e.type)).toEqual([
      "checkout.session.completed",
      "customer.subscription.created",
      "invoice.paid",
    ]);
    const sub = received[0]?.subscription;
    expect(sub).toMatch(/^sub_/);
    expect(received[1]?.metadata).toEqual({ accountId: "acc-1", plan: "pro" });
    // The subscription the completed session names is there to retrieve, as at Stripe.
    const retrieved = (await (
      await fetch(`${standIns.url}/v1/subscriptions/${sub}`, {
        headers: { authorization: `Bearer ${STRIPE_SECRET_KEY}` },
      })
    ).json()) as { status: string; items: { data: { price: { id: string } }[] } };
    expect(retrieved.status).toBe("active");
    expect(retrieved.items.data[0]?.price.id).toBe(STRIPE_PRICES.pro);
  });

  it("says so, and does not redirect, when the edge refuses a webhook", async () => {
    const s = await session("starter");
    answer = 400;
    try {
      const paid = await fetch(`${s.url}/pay`, { method: "POST", redirect: "manual" });
      expect(paid.status).toBe(502);
      expect(await paid.text()).toContain("answered 400 to checkout.session.completed");
    } finally {
      answer = 200;
    }
  });

  it("answers 404 for a session it never made", async () => {
    expect((await fetch(`${standIns.url}/stripe/checkout/cs_test_nope`)).status).toBe(404);
  });
});
