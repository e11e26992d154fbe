import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
} from "../../testing/stand-ins/stripe-stand-in.ts";
import type { Employee } from "../contract/employee.ts";
import worker from "../index.ts";
import { GRACE_STATUSES } from "../services/billing-enforcement.ts";
import {
  api,
  auditOf,
  errorOf,
  hire,
  hireBody,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  waitForEmployee,
} from "./helpers.ts";

afterEach(removeAllEmployees);

const stripe = new Stripe(STRIPE_SECRET_KEY, { httpClient: Stripe.createFetchHttpClient() });
const DAY = 86_400_000;
let eventCounter = 0;

interface Me {
  user: { id: string; email: string };
  account: { id: string };
  plan: string;
  trialEndsAt: string;
  subscription: { plan: string; status: string; pastDueSince: string | null } | null;
  billingNotice: string | null;
  limits: { maxEmployees: number };
  usage: { chatViews: { used: number; limit: number } | null };
}

async function me(cookie: string): Promise<Me> {
  return (await (await api("/api/me", { cookie })).json()) as Me;
}

// A Stripe event, signed the way Stripe signs it (the stripe package's own test helper).
async function deliver(
  type: string,
  object: Record<string, unknown>,
  opts: { created?: number; id?: string; tamper?: boolean; signature?: string | null } = {},
): Promise<Response> {
  const payload = JSON.stringify({
    id: opts.id ?? `evt_${Date.now().toString(36)}_${++eventCounter}`,
    object: "event",
    api_version: "2025-10-29.clover",
    created: opts.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
  });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: STRIPE_WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.signature !== null) headers["stripe-signature"] = opts.signature ?? header;
  return exports.default.fetch(
    new Request(new URL("/api/stripe/webhook", ORIGIN), {
      method: "POST",
      headers,
      body: opts.tamper ? payload.replace('"livemode":false', '"livemode":true') : payload,
    }),
  );
}

const subscription = (
  accountId: string,
  plan: keyof typeof STRIPE_PRICES,
  status = "active",
  id = `sub_${accountId.slice(0, 8)}`,
  created = Math.floor(Date.now() / 1000) - 3600,
) => ({
  id,
  object: "subscription",
  created,
  customer: `cus_${accountId.slice(0, 8)}`,
  status,
  cancel_at_period_end: false,
  metadata: { accountId, plan },
  items: {
    object: "list",
    data: [
      {
        id: `si_${id}`,
        object: "subscription_item",
        price: { id: STRIPE_PRICES[plan], object: "price" },
        current_period_end: Math.floor((Date.now() + 30 * DAY) / 1000),
      },
    ],
  },
});

// An invoice of a subscription as the API version we pin describes it (`parent`), and as older
// versions did (`subscription`).
const invoice = (accountId: string, subscriptionId: string) => ({
  id: `in_${crypto.randomUUID().slice(0, 8)}`,
  object: "invoice",
  customer: `cus_${accountId.slice(0, 8)}`,
  parent: {
    type: "subscription_details",
    subscription_details: { subscription: subscriptionId, metadata: {} },
  },
});

async function stripeRequests(): Promise<
  { method: string; path: string; params: Record<string, string>; idempotencyKey: string | null }[]
> {
  const res = await fetch(`${env.STAND_IN_URL}/stripe/_test/requests`);
  return ((await res.json()) as { requests: [] }).requests;
}

async function team(cookie: string): Promise<Employee[]> {
  return ((await (await api("/api/employees", { cookie })).json()) as { employees: Employee[] })
    .employees;
}

// The scheduled handler itself, at a time the test picks: the cron decides about that moment.
async function scheduledAt(time: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: time }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("checkout and portal", () => {
  it("needs a session and a plan we sell", async () => {
    expect(
      (await api("/api/billing/checkout", { method: "POST", json: { plan: "pro" } })).status,
    ).toBe(401);
    const cookie = await signIn(uniqueEmail("co-bad"));
    for (const body of [{ plan: "trial" }, { plan: "gold" }, {}, { plan: "pro", extra: 1 }]) {
      const res = await api("/api/billing/checkout", { method: "POST", json: body, cookie });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_input");
    }
  });

  it("makes the customer once, carries the account, plan and limit, and returns Stripe's page", async () => {
    const cookie = await signIn(uniqueEmail("co"));
    const { account, user } = await me(cookie);
    const [a, b] = await Promise.all(
      ["pro", "starter"].map((plan) =>
        api("/api/billing/checkout", { method: "POST", json: { plan }, cookie }),
      ),
    );
    expect(a?.status).toBe(200);
    expect(b?.status).toBe(200);
    expect(((await (a as Response).json()) as { url: string }).url).toMatch(
      /\/stripe\/checkout\/cs_test_/,
    );
    const again = await api("/api/billing/checkout", {
      method: "POST",
      json: { plan: "business" },
      cookie,
    });
    expect(again.status).toBe(200);

    const mine = (await stripeRequests()).filter(
      (r) =>
        r.params["metadata[accountId]"] === account.id ||
        r.params.client_reference_id === account.id,
    );
    const customers = mine.filter((r) => r.path === "/v1/customers");
    // Two concurrent first checkouts send one idempotency key: Stripe makes one customer.
    expect(new Set(customers.map((r) => r.idempotencyKey))).toEqual(
      new Set([`customer-${account.id}`]),
    );
    const sessions = mine.filter((r) => r.path === "/v1/checkout/sessions");
    expect(sessions).toHaveLength(3);
    expect(new Set(sessions.map((s) => s.params.customer)).size).toBe(1);
    const pro = sessions.find((s) => s.params["metadata[plan]"] === "pro");
    expect(pro?.params).toMatchObject({
      mode: "subscription",
      "line_items[0][price]": STRIPE_PRICES.pro,
      "metadata[accountId]": account.id,
      "metadata[max_employees]": "3",
      "subscription_data[metadata][accountId]": account.id,
      "subscription_data[metadata][plan]": "pro",
      cancel_url: `${ORIGIN}/account?checkout=cancelled`,
    });
    expect(pro?.params.success_url).toContain(`${ORIGIN}/account?checkout=success`);
    // Each checkout is in the audit log, as the owner's.
    const audited = await auditOf(account.id, "billing.checkout");
    expect(audited.map((e) => e.detail?.plan).sort()).toEqual(["business", "pro", "starter"]);
    expect(new Set(audited.map((e) => e.actorEmail))).toEqual(new Set([user.email]));
  });

  it("opens the portal for an account with a customer, and says why not otherwise", async () => {
    const cookie = await signIn(uniqueEmail("portal"));
    const none = await api("/api/billing/portal", { method: "POST", cookie });
    expect(none.status).toBe(409);
    expect((await errorOf(none)).code).toBe("no_billing_account");
    await api("/api/billing/checkout", { method: "POST", json: { plan: "starter" }, cookie });
    const res = await api("/api/billing/portal", { method: "POST", cookie });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { url: string }).url).toMatch(/\/stripe\/portal\/bps_/);
    // Only the portal that opened is recorded.
    expect(await auditOf((await me(cookie)).account.id, "billing.portal")).toHaveLength(1);
  });
});

describe("webhooks", () => {
  it("refuses a missing or wrong signature with 400 and changes nothing", async () => {
    const cookie = await signIn(uniqueEmail("sig"));
    const { account } = await me(cookie);
    const sub = subscription(account.id, "pro");
    for (const opts of [{ signature: null }, { tamper: true }, { signature: "t=1,v1=deadbeef" }]) {
      const res = await deliver("customer.subscription.created", sub, opts);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toMatch(/missing_signature|invalid_signature/);
    }
    expect((await me(cookie)).plan).toBe("trial");
  });

  it("applies a subscription, a duplicate changes nothing, an older event never overwrites", async () => {
    const cookie = await signIn(uniqueEmail("order"));
    const { account } = await me(cookie);
    const t = Math.floor(Date.now() / 1000);
    const created = await deliver(
      "customer.subscription.created",
      subscription(account.id, "pro"),
      {
        created: t,
        id: `evt_dup_${account.id}`,
      },
    );
    expect(created.status).toBe(200);
    expect((await me(cookie)).plan).toBe("pro");
    expect((await me(cookie)).limits.maxEmployees).toBe(3);

    // The same event again (Stripe retries): 200, nothing happens twice.
    const dup = await deliver(
      "customer.subscription.updated",
      subscription(account.id, "starter"),
      {
        created: t + 5,
        id: `evt_dup_${account.id}`,
      },
    );
    expect(dup.status).toBe(200);
    expect(((await dup.json()) as { duplicate?: boolean }).duplicate).toBe(true);
    expect((await me(cookie)).plan).toBe("pro");

    // Newer: business. Then an older one arrives late: ignored.
    await deliver("customer.subscription.updated", subscription(account.id, "business"), {
      created: t + 20,
    });
    await deliver("customer.subscription.updated", subscription(account.id, "starter"), {
      created: t + 10,
    });
    const now = await me(cookie);
    expect(now.plan).toBe("business");
    expect(now.subscription).toMatchObject({ plan: "business", status: "active" });
    // The plan changed twice, by the system: the duplicate and the late event left no trace.
    const changes = await auditOf(account.id, "billing.change");
    expect(changes.map((e) => [e.detail?.from, e.detail?.to, e.actorUserId])).toEqual([
      ["trial", "pro", null],
      ["pro", "business", null],
    ]);
  });

  it("a subscription made before accounts (metadata userId) applies to the account of that id", async () => {
    const cookie = await signIn(uniqueEmail("legacy-meta"));
    const { account } = await me(cookie);
    // Migration 0008 gave each account its owner's old user id, which such objects carry.
    const { accountId: _, ...legacy } = subscription(account.id, "pro").metadata;
    const sub = { ...subscription(account.id, "pro"), metadata: { ...legacy, userId: account.id } };
    expect((await deliver("customer.subscription.created", sub)).status).toBe(200);
    expect((await me(cookie)).plan).toBe("pro");
  });

  it("checkout.session.completed links the customer and applies the subscription it made", async () => {
    const cookie = await signIn(uniqueEmail("completed"));
    const { account } = await me(cookie);
    const sub = subscription(account.id, "starter", "active", `sub_c_${account.id.slice(0, 8)}`);
    await fetch(`${env.STAND_IN_URL}/stripe/_test/subscriptions`, {
      method: "POST",
      body: JSON.stringify(sub),
    });
    const res = await deliver("checkout.session.completed", {
      id: "cs_test_1",
      object: "checkout.session",
      mode: "subscription",
      customer: sub.customer,
      subscription: sub.id,
      client_reference_id: account.id,
      metadata: { accountId: account.id, plan: "starter" },
    });
    expect(res.status).toBe(200);
    expect((await me(cookie)).plan).toBe("starter");
    // The portal now knows the customer.
    const portal = await api("/api/billing/portal", { method: "POST", cookie });
    expect(portal.status).toBe(200);
  });
});

describe("subscriptions are keyed by Stripe's subscription id", () => {
  it("a replaced subscription's late events (cancel, update, failed payment) never change the active one", async () => {
    const cookie = await signIn(uniqueEmail("replaced"));
    const { account } = await me(cookie);
    const t = Math.floor(Date.now() / 1000);
    const oldId = `sub_old_${account.id.slice(0, 8)}`;
    const newId = `sub_new_${account.id.slice(0, 8)}`;
    await deliver(
      "customer.subscription.created",
      subscription(account.id, "starter", "active", oldId, t - 100),
      { created: t },
    );
    expect((await me(cookie)).plan).toBe("starter");
    const e = await hire(cookie);

    // The customer moves to Business with a second checkout; Stripe then cancels the old one, and
    // that cancellation (and more about the old one) arrives after the new subscription's events.
    await deliver(
      "customer.subscription.created",
      subscription(account.id, "business", "active", newId, t + 10),
      { created: t + 10 },
    );
    await deliver(
      "customer.subscription.deleted",
      subscription(account.id, "starter", "canceled", oldId, t - 100),
      { created: t + 20 },
    );
    await deliver(
      "customer.subscription.updated",
      subscription(account.id, "starter", "past_due", oldId, t - 100),
      { created: t + 30 },
    );
    await deliver("invoice.payment_failed", invoice(account.id, oldId), { created: t + 40 });

    const now = await me(cookie);
    expect(now.plan).toBe("business");
    expect(now.limits.maxEmployees).toBe(10);
    expect(now.subscription).toMatchObject({
      plan: "business",
      status: "active",
      pastDueSince: null,
    });
    expect(now.billingNotice).toBeNull();
    // No grace period started for the active subscription: the cron leaves the team alone.
    await scheduledAt(Date.now() + 30 * DAY);
    expect((await team(cookie)).find((x) => x.id === e.id)?.status).not.toBe("stopped");
    expect(
      (await api("/api/employees", { method: "POST", json: hireBody({ name: "Second" }), cookie }))
        .status,
    ).toBe(201);

    // Both subscriptions are kept, each as Stripe last described it.
    const rows = await env.DB.prepare(
      "SELECT stripe_subscription_id AS id, status, plan FROM subscriptions WHERE account_id = ? ORDER BY stripe_subscription_id",
    )
      .bind(account.id)
      .all<{ id: string; status: string; plan: string }>();
    expect(rows.results).toEqual([
      { id: newId, status: "active", plan: "business" },
      { id: oldId, status: "past_due", plan: "starter" },
    ]);
  });

  it("an out-of-order deletion of the account's earlier subscription, delivered first, leaves a later checkout's subscription in force", async () => {
    const cookie = await signIn(uniqueEmail("second-checkout"));
    const { account } = await me(cookie);
    const t = Math.floor(Date.now() / 1000);
    const first = `sub_first_${account.id.slice(0, 8)}`;
    const second = `sub_second_${account.id.slice(0, 8)}`;
    await deliver(
      "customer.subscription.created",
      subscription(account.id, "pro", "active", first, t - 50),
      { created: t },
    );
    // A second checkout completes (its subscription fetched from Stripe), then the first is
    // deleted by the customer in the portal.
    const sub = subscription(account.id, "starter", "active", second, t + 5);
    await fetch(`${env.STAND_IN_URL}/stripe/_test/subscriptions`, {
      method: "POST",
      body: JSON.stringify(sub),
    });
    const completed = await deliver(
      "checkout.session.completed",
      {
        id: `cs_${second}`,
        object: "checkout.session",
        mode: "subscription",
        customer: sub.customer,
        subscription: second,
        client_reference_id: account.id,
        metadata: { accountId: account.id, plan: "starter" },
      },
      { created: t + 6 },
    );
    expect(completed.status).toBe(200);
    expect((await me(cookie)).subscription).toMatchObject({ plan: "starter", status: "active" });
    await deliver(
      "customer.subscription.deleted",
      subscription(account.id, "pro", "canceled", first, t - 50),
      { created: t + 7 },
    );
    // …and a stale "created" for the first arrives last: older than its own deletion, ignored.
    await deliver(
      "customer.subscription.created",
      subscription(account.id, "pro", "active", first, t - 50),
      { created: t + 1 },
    );
    const now = await me(cookie);
    expect(now.plan).toBe("starter");
    expect(now.subscription).toMatchObject({ plan: "starter", status: "active" });

    // The active one's own cancellation ends the plan: nothing else is live.
    await deliver(
      "customer.subscription.deleted",
      subscription(account.id, "starter", "canceled", second, t + 5),
      { created: t + 8 },
    );
    const ended = await me(cookie);
    expect(ended.plan).toBe("trial");
    expect(ended.subscription).toMatchObject({ status: "canceled" });
  });

  it("a subscription never moves to another account, whatever an event's metadata says", async () => {
    const owner = await signIn(uniqueEmail("sub-owner"));
    const other = await signIn(uniqueEmail("sub-other"));
    const { account } = await me(owner);
    const { account: otherAccount } = await me(other);
    const t = Math.floor(Date.now() / 1000);
    const id = `sub_own_${account.id.slice(0, 8)}`;
    await deliver("customer.subscription.created", subscription(account.id, "pro", "active", id), {
      created: t,
    });
    const moved = {
      ...subscription(otherAccount.id, "business", "active", id),
      customer: `cus_${account.id.slice(0, 8)}`,
    };
    // Handled (Stripe stops retrying) and changes nothing.
    expect((await deliver("customer.subscription.updated", moved, { created: t + 1 })).status).toBe(
      200,
    );
    expect((await me(owner)).plan).toBe("pro");
    expect((await me(other)).plan).toBe("trial");
  });
});

describe("what billing does to the team", () => {
  it("a downgrade stops the newest beyond the limit and says which and why; an upgrade starts them", async () => {
    const cookie = await signIn(uniqueEmail("downgrade"));
    const { account } = await me(cookie);
    const t = Math.floor(Date.now() / 1000);
    await deliver("customer.subscription.created", subscription(account.id, "pro"), { created: t });
    const first = await hire(cookie, { name: "First" });
    const second = await hire(cookie, { name: "Second" });
    const third = await hire(cookie, { name: "Third" });

    await deliver("customer.subscription.updated", subscription(account.id, "starter"), {
      created: t + 1,
    });
    for (const e of [second, third])
      await waitForEmployee(cookie, e.id, (x) => x.status === "stopped");
    const after = await team(cookie);
    const byName = new Map(after.map((e) => [e.name, e]));
    expect(byName.get("First")?.status).not.toBe("stopped");
    expect(byName.get("Third")?.statusReason).toContain("Starter plan includes 1 employee");
    expect((await me(cookie)).billingNotice).toMatch(/Stopped Second, Third\./);
    // Billing never deletes: all three are still there, and Start is refused with the reason.
    expect(after).toHaveLength(3);
    const start = await api(`/api/employees/${third.id}/provision`, { method: "POST", cookie });
    expect(start.status).toBe(409);
    expect((await errorOf(start)).message).toContain("Starter plan");

    await deliver("customer.subscription.updated", subscription(account.id, "pro"), {
      created: t + 2,
    });
    for (const e of [second, third])
      await waitForEmployee(cookie, e.id, (x) => x.status === "provisioning" && !x.statusReason);
    expect((await me(cookie)).billingNotice).toBeNull();
    expect(first.id).toBeTruthy();
  });

  it.each(GRACE_STATUSES)(
    "a failed payment (%s) starts a grace period; the cron stops the team after it; paying starts them",
    async (status) => {
      const cookie = await signIn(uniqueEmail(`grace-${status}`));
      const { account } = await me(cookie);
      const t = Math.floor(Date.now() / 1000);
      await deliver("customer.subscription.created", subscription(account.id, "starter"), {
        created: t,
      });
      const e = await hire(cookie);
      await deliver("customer.subscription.updated", subscription(account.id, "starter", status), {
        created: t + 1,
      });
      await deliver(
        "invoice.payment_failed",
        invoice(account.id, `sub_${account.id.slice(0, 8)}`),
        {
          created: t + 1,
        },
      );
      const sub = (await me(cookie)).subscription;
      expect(sub?.status).toBe(status);
      expect(sub?.pastDueSince).not.toBeNull();

      // Within the grace period nothing is stopped; after it the cron stops the employee.
      await scheduledAt(Date.now() + 2 * DAY);
      expect((await team(cookie))[0]?.status).not.toBe("stopped");
      await scheduledAt(Date.now() + 8 * DAY);
      const held = await waitForEmployee(cookie, e.id, (x) => x.status === "stopped");
      expect(held.statusReason).toContain("grace period ended");

      // Paid: the grace ends and the employee starts again.
      await deliver(
        "customer.subscription.updated",
        subscription(account.id, "starter", "active"),
        {
          created: t + 3,
        },
      );
      await waitForEmployee(cookie, e.id, (x) => x.status === "provisioning" && !x.statusReason);
      expect((await me(cookie)).subscription?.pastDueSince).toBeNull();
    },
  );

  it("after the trial: hiring is 402, the cron stops the team, a subscription starts it again", async () => {
    const cookie = await signIn(uniqueEmail("trial-end"));
    const { account, trialEndsAt } = await me(cookie);
    const e = await hire(cookie);
    const ends = Date.parse(trialEndsAt);
    expect(ends - Date.now()).toBeGreaterThan(6.9 * DAY);

    await scheduledAt(ends - 60_000); // a minute before: nothing happens
    expect((await team(cookie))[0]?.status).not.toBe("stopped");
    await scheduledAt(ends + 60_000);
    const held = await waitForEmployee(cookie, e.id, (x) => x.status === "stopped");
    expect(held.statusReason).toContain("trial has ended");

    // Hiring refuses once the trial is over (the clock here is the row's, moved back).
    await env.DB.prepare("UPDATE accounts SET trial_ends_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, account.id)
      .run();
    const refused = await api("/api/employees", {
      method: "POST",
      json: { name: "Late", role: "researcher", tone: "friendly", skills: [] },
      cookie,
    });
    expect(refused.status).toBe(402);
    const error = (await refused.json()) as { error: { code: string; upgradeUrl?: string } };
    expect(error.error.code).toBe("trial_expired");
    expect(error.error.upgradeUrl).toBe(`${ORIGIN}/account`);

    await deliver("customer.subscription.created", subscription(account.id, "starter"));
    await waitForEmployee(cookie, e.id, (x) => x.status === "provisioning" && !x.statusReason);
  });
});

describe("the trial's paywall", () => {
  it("opens the chat 3 times; the 4th opening is 402 with an upgrade link; refreshes do not count", async () => {
    const cookie = await signIn(uniqueEmail("paywall"));
    const { account } = await me(cookie);
    const e = await hire(cookie);
    // Access needs a running employee; the D1 mirror is what /access reads.
    await env.DB.prepare("UPDATE employees SET status = 'running' WHERE id = ?").bind(e.id).run();
    const open = () => api(`/api/employees/${e.id}/access`, { method: "POST", cookie });

    expect((await open()).status).toBe(200);
    expect((await open()).status).toBe(200); // the app refreshing its URLs: the same opening
    expect((await me(cookie)).usage.chatViews).toEqual({ used: 1, limit: 3 });

    // Two more openings, earlier in the trial, and the current one ended over 30 minutes ago.
    const old = Date.now() - 2 * 60 * 60_000;
    for (const [i, at] of [old, old + 60_000].entries())
      await env.DB.prepare(
        "INSERT INTO chat_views (id, account_id, employee_id, opened_at) VALUES (?, ?, ?, ?)",
      )
        .bind(`old-${account.id}-${i}`, account.id, e.id, at)
        .run();
    await env.DB.prepare(
      "UPDATE chat_views SET opened_at = ? WHERE account_id = ? AND id NOT LIKE 'old-%'",
    )
      .bind(Date.now() - 31 * 60_000, account.id)
      .run();
    expect((await me(cookie)).usage.chatViews).toEqual({ used: 3, limit: 3 });

    const fourth = await open();
    expect(fourth.status).toBe(402);
    const body = (await fourth.json()) as { error: { code: string; upgradeUrl: string } };
    expect(body.error.code).toBe("chat_views_exhausted");
    expect(body.error.upgradeUrl).toBe(`${ORIGIN}/account`);
    expect((await me(cookie)).usage.chatViews?.used).toBe(3);

    // A paid plan opens freely.
    await deliver("customer.subscription.created", subscription(account.id, "starter"));
    await env.DB.prepare("UPDATE employees SET status = 'running' WHERE id = ?").bind(e.id).run();
    expect((await open()).status).toBe(200);
    expect((await me(cookie)).usage.chatViews).toBeNull();
  });
});
