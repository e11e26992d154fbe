import { exports } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  STRIPE_PRICES,
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
} from "../../testing/stand-ins/stripe-stand-in.ts";
import type { ExportView } from "../contract/endpoints.ts";
import { api, auditOf, ORIGIN } from "./helpers.ts";
import { person, until } from "./lifecycle-helpers.ts";

// Changes the audit log used to miss: downloading an export (the whole account leaves with it)
// and a subscription's status changing while its plan stays.

const stripe = new Stripe(STRIPE_SECRET_KEY, { httpClient: Stripe.createFetchHttpClient() });
let eventCounter = 0;

async function deliver(type: string, object: Record<string, unknown>, created: number) {
  const payload = JSON.stringify({
    id: `evt_audit_${Date.now().toString(36)}_${++eventCounter}`,
    object: "event",
    api_version: "2025-10-29.clover",
    created,
    livemode: false,
    type,
    data: { object },
  });
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: STRIPE_WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return exports.default.fetch(
    new Request(new URL("/api/stripe/webhook", ORIGIN), {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body: payload,
    }),
  );
}

const subscription = (accountId: string, status: string, cancelAtPeriodEnd: boolean) => ({
  id: `sub_audit_${accountId.slice(0, 8)}`,
  object: "subscription",
  created: Math.floor(Date.now() / 1000) - 3600,
  customer: `cus_audit_${accountId.slice(0, 8)}`,
  status,
  cancel_at_period_end: cancelAtPeriodEnd,
  metadata: { accountId, plan: "pro" },
  items: {
    object: "list",
    data: [{ id: "si_audit", object: "subscription_item", price: { id: STRIPE_PRICES.pro } }],
  },
});

describe("the audit log records", () => {
  it("a subscription's status changes, not only its plan changes", async () => {
    const owner = await person("audit-status");
    const t = Math.floor(Date.now() / 1000);
    const steps: [string, string, boolean][] = [
      ["customer.subscription.created", "active", false],
      ["customer.subscription.updated", "active", true],
      ["customer.subscription.updated", "past_due", true],
      ["customer.subscription.updated", "past_due", true],
    ];
    for (const [i, [type, status, cancel]] of steps.entries())
      expect(
        (await deliver(type, subscription(owner.accountId, status, cancel), t + i)).status,
      ).toBe(200);
    const changes = await auditOf(owner.accountId, "billing.change");
    expect(
      changes.map((e) => [e.detail?.to ?? e.detail?.status, e.detail?.cancelAtPeriodEnd]),
    ).toEqual([
      ["pro", undefined],
      ["active", true],
      ["past_due", true],
    ]);
  });

  it("an export's download, by whom", async () => {
    const owner = await person("audit-download");
    const res = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    expect(res.status).toBeLessThan(300);
    const { id } = ((await res.json()) as { export: ExportView }).export;
    let ready: ExportView | undefined;
    await until(async () => {
      const list = await api("/api/account/exports", { cookie: owner.cookie });
      ready = ((await list.json()) as { exports: ExportView[] }).exports.find((e) => e.id === id);
      return ready?.status === "ready";
    }, "export ready");
    expect(await auditOf(owner.accountId, "account.export_download")).toEqual([]);
    const download = await api(ready?.downloadUrl ?? "", { cookie: owner.cookie });
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    const recorded = await auditOf(owner.accountId, "account.export_download");
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      actorUserId: owner.userId,
      targetType: "export",
      targetId: id,
    });
  });
});
