import { env, exports } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
} from "../../testing/stand-ins/stripe-stand-in.ts";
import { api, errorOf, ORIGIN } from "./helpers.ts";
import { person } from "./team-fixture.ts";

// During the deletion grace no file is uploaded (it could outlive the purge) and no subscription
// starts (the owner would pay for a team about to go); after the purge, Stripe's last events
// about the account are acknowledged and ignored instead of failing for days.

function upload(cookie: string) {
  const form = new FormData();
  form.append("file", new Blob(["# late"]), "late.md");
  return exports.default.fetch(
    new Request(new URL("/api/knowledge", ORIGIN), {
      method: "POST",
      body: form,
      headers: { cookie, "cf-connecting-ip": "2001:db8::78" },
    }),
  );
}

describe("an account scheduled for deletion", () => {
  it("takes no knowledge upload and starts no checkout until restored", async () => {
    const owner = await person("grace-files");
    expect((await api("/api/account", { method: "DELETE", cookie: owner.cookie })).status).toBe(
      202,
    );
    const refused = await upload(owner.cookie);
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toMatch(/scheduled for deletion/);
    const checkout = await api("/api/billing/checkout", {
      method: "POST",
      json: { plan: "pro" },
      cookie: owner.cookie,
    });
    expect(checkout.status).toBe(409);
    const error = await errorOf(checkout);
    expect(error.code).toBe("invalid_state");
    expect(error.message).toMatch(/scheduled for deletion/);
    const files = await env.DB.prepare(
      "SELECT count(*) AS n FROM knowledge_files WHERE account_id = ?",
    )
      .bind(owner.ownAccountId)
      .first<{ n: number }>();
    expect(files?.n).toBe(0);

    expect(
      (await api("/api/account/restore", { method: "POST", cookie: owner.cookie })).status,
    ).toBe(200);
    expect((await upload(owner.cookie)).status).toBe(201);
  });
});

describe("a Stripe event about an account that no longer exists", () => {
  it("is acknowledged and ignored, not a 500 that Stripe retries", async () => {
    const stripe = new Stripe(STRIPE_SECRET_KEY, { httpClient: Stripe.createFetchHttpClient() });
    const accountId = crypto.randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: `evt_gone_${accountId.slice(0, 8)}`,
      object: "event",
      api_version: "2025-10-29.clover",
      created: now,
      livemode: false,
      type: "customer.subscription.deleted",
      data: {
        object: {
          id: `sub_gone_${accountId.slice(0, 8)}`,
          object: "subscription",
          created: now - 3600,
          customer: `cus_gone_${accountId.slice(0, 8)}`,
          status: "canceled",
          cancel_at_period_end: false,
          metadata: { accountId, plan: "pro" },
          items: {
            object: "list",
            data: [
              { id: "si_gone", object: "subscription_item", price: { id: STRIPE_PRICES.pro } },
            ],
          },
        },
      },
    });
    const signature = await stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: STRIPE_WEBHOOK_SECRET,
      cryptoProvider: Stripe.createSubtleCryptoProvider(),
    });
    const res = await exports.default.fetch(
      new Request(new URL("/api/stripe/webhook", ORIGIN), {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: payload,
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: true, ignored: true });
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM subscriptions WHERE account_id = ?",
    )
      .bind(accountId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});
