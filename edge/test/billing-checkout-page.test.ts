import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Delivery } from "../../testing/stand-ins/stripe-checkout-page.ts";
import { api, ORIGIN, signIn, uniqueEmail } from "./helpers.ts";

// The Stripe stand-in's Checkout page, which `npm run dev` sends an upgrade to: paying on it
// signs Stripe's webhooks the way Stripe does, and the edge's billing code takes them and moves
// the account to the plan bought. The Worker here listens on no port, so the stand-in records
// its deliveries and the test hands each to the Worker, byte for byte.

async function me(cookie: string) {
  return (await (await api("/api/me", { cookie })).json()) as {
    plan: string;
    limits: { maxEmployees: number };
    subscription: { plan: string; status: string } | null;
    usage: { chatViews: unknown };
  };
}

describe("the Checkout stand-in", () => {
  it("takes the payment, sends webhooks the edge accepts, and the plan changes", async () => {
    const cookie = await signIn(uniqueEmail("pay"));
    expect((await me(cookie)).plan).toBe("trial");
    const started = await api("/api/billing/checkout", {
      method: "POST",
      json: { plan: "pro" },
      cookie,
    });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    expect(url.startsWith(`${env.STAND_IN_URL}/stripe/checkout/`)).toBe(true);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Subscribe to Pro");
    expect(html).toMatch(/<button type="submit">Pay<\/button>/);

    const paid = await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const sessionId = url.split("/").at(-1) ?? "";
    expect(paid.headers.get("location")).toBe(
      `${ORIGIN}/account?checkout=success&session_id=${sessionId}`,
    );

    const { deliveries } = (await (
      await fetch(`${env.STAND_IN_URL}/stripe/_test/deliveries?session=${sessionId}`)
    ).json()) as { deliveries: Delivery[] };
    expect(deliveries.map((d) => d.type)).toEqual([
      "checkout.session.completed",
      "customer.subscription.created",
      "invoice.paid",
    ]);
    for (const d of deliveries) {
      const res = await api("/api/stripe/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": d.signature },
        body: d.payload,
      });
      expect(res.status, d.type).toBe(200);
      // Each is applied, none merely acknowledged.
      expect(await res.json(), d.type).toEqual({ received: true });
    }
    const after = await me(cookie);
    expect(after.plan).toBe("pro");
    expect(after.limits.maxEmployees).toBe(3);
    expect(after.subscription).toMatchObject({ plan: "pro", status: "active" });
    expect(after.usage.chatViews).toBeNull();

    // Paying twice buys nothing more: the page says it is paid, the button sends nothing again.
    expect(await (await fetch(url)).text()).toContain("already paid");
    await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    const again = (await (
      await fetch(`${env.STAND_IN_URL}/stripe/_test/deliveries?session=${sessionId}`)
    ).json()) as { deliveries: Delivery[] };
    expect(again.deliveries).toHaveLength(3);
  });

  it("refuses a tampered delivery", async () => {
    const cookie = await signIn(uniqueEmail("tamper"));
    const { url } = (await (
      await api("/api/billing/checkout", { method: "POST", json: { plan: "starter" }, cookie })
    ).json()) as { url: string };
    await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    const sessionId = url.split("/").at(-1) ?? "";
    const { deliveries } = (await (
      await fetch(`${env.STAND_IN_URL}/stripe/_test/deliveries?session=${sessionId}`)
    ).json()) as { deliveries: Delivery[] };
    const first = deliveries[0] as Delivery;
    const res = await api("/api/stripe/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": first.signature },
      body: first.payload.replace('"livemode":false', '"livemode":true'),
    });
    expect(res.status).toBe(400);
    expect((await me(cookie)).plan).toBe("trial");
  });
});
