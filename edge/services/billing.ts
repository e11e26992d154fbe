import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { accounts, stripeEvents, subscriptions } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import {
  cryptoProvider,
  type PaidPlanId,
  planForPrice,
  priceFor,
  stripeClient,
} from "../billing/stripe-client.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { accountById } from "../store/accounts.ts";
import { refuseWhileDeletionScheduled } from "./account-state.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import {
  currentSubscription,
  enforceBilling,
  IN_FORCE_ORDER,
  PLAN_APPLIES,
} from "./billing-enforcement.ts";
import type { Deps } from "./deps.ts";
import { BILLING_PER_USER } from "./rate-limits.ts";

async function account(deps: Deps, accountId: string) {
  const row = await deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!row) throw notFound("account");
  return row;
}

// Objects made before accounts (migration 0008) carry `userId`: that id became the account's.
const accountIdIn = (metadata: Record<string, string> | null | undefined) =>
  metadata?.accountId ?? metadata?.userId;

// Stripe sends a reference either as an id or as the expanded object.
const idOf = (ref: string | { id: string } | null | undefined) =>
  typeof ref === "string" ? ref : ref?.id;

// Fills the account's Stripe customer only when it has none: whoever links first wins, and a
// later event naming the same customer changes nothing.
async function linkCustomer(deps: Deps, accountId: string, customer: string | undefined) {
  if (!customer) return;
  await deps.db
    .update(accounts)
    .set({ stripeCustomerId: customer })
    .where(and(eq(accounts.id, accountId), isNull(accounts.stripeCustomerId)));
}

// The Stripe customer is made once per account and reused. Two checkouts at once agree on one:
// Stripe's idempotency key makes the second create return the first's customer, and the column
// is only ever filled when empty.
// The customer's email is the owner's, who is the one paying (only the owner may check out).
async function customerFor(
  deps: Deps,
  stripe: Stripe,
  accountId: string,
  email: string,
): Promise<string> {
  const row = await account(deps, accountId);
  if (row.stripeCustomerId) return row.stripeCustomerId;
  const customer = await stripe.customers.create(
    { email, name: row.name, metadata: { accountId } },
    { idempotencyKey: `customer-${accountId}` },
  );
  await linkCustomer(deps, accountId, customer.id);
  return (await account(deps, accountId)).stripeCustomerId ?? customer.id;
}

// Billing is the owner's: the role is checked before the person's rate limit, so an admin's
// attempts use up nothing.
async function billingActor(deps: Deps, actor: Actor): Promise<void> {
  requireRight(actor, "billing.manage");
  await deps.limits.take(BILLING_PER_USER, actor.userId);
}

export async function startCheckout(
  deps: Deps,
  actor: Actor,
  plan: PaidPlanId,
): Promise<{ url: string }> {
  requireRight(actor, "billing.manage");
  // The cron deletes the account after the grace: no one is charged for a team about to go.
  const account = await accountById(deps.db, actor.accountId);
  if (!account) throw notFound("team");
  refuseWhileDeletionScheduled(account, "No subscription can start");
  await billingActor(deps, actor);
  const { accountId, email } = actor;
  const stripe = stripeClient(deps.config);
  const price = priceFor(deps.config, plan);
  if (!price)
    throw new ApiError(
      503,
      "billing_not_configured",
      `The ${planById(plan).name} plan has no price configured.`,
    );
  const current = await currentSubscription(deps, accountId);
  if (current && (PLAN_APPLIES as readonly string[]).includes(current.status))
    throw new ApiError(
      409,
      "already_subscribed",
      "You already have a subscription. Change or cancel it in the billing portal.",
    );
  const customer = await customerFor(deps, stripe, accountId, email);
  const metadata = { accountId, plan, max_employees: String(planById(plan).maxEmployees) };
  const app = deps.config.appOrigin;
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: accountId,
    line_items: [{ price, quantity: 1 }],
    metadata,
    subscription_data: { metadata },
    allow_promotion_codes: true,
    success_url: `${app}/account?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${app}/account?checkout=cancelled`,
  });
  if (!session.url)
    throw new ApiError(503, "billing_unavailable", "Stripe returned no checkout page.");
  deps.log.info("checkout started", { plan, session: session.id });
  await recordAudit(deps, actor, "billing.checkout", { type: "account", id: accountId }, { plan });
  return { url: session.url };
}

export async function openPortal(deps: Deps, actor: Actor): Promise<{ url: string }> {
  await billingActor(deps, actor);
  const stripe = stripeClient(deps.config);
  const row = await account(deps, actor.accountId);
  if (!row.stripeCustomerId)
    throw new ApiError(
      409,
      "no_billing_account",
      "There is nothing to manage yet: choose a plan first.",
    );
  const session = await stripe.billingPortal.sessions.create({
    customer: row.stripeCustomerId,
    return_url: `${deps.config.appOrigin}/account`,
  });
  await recordAudit(deps, actor, "billing.portal", { type: "account", id: actor.accountId });
  return { url: session.url };
}

// ---- webhooks ----

export async function handleWebhook(
  deps: Deps,
  payload: string,
  signature: string | undefined,
): Promise<{ received: true; duplicate?: true; ignored?: true }> {
  const secret = deps.config.STRIPE_WEBHOOK_SECRET;
  if (!secret)
    throw new ApiError(503, "billing_not_configured", "Billing is not configured on this server.");
  if (!signature)
    throw new ApiError(400, "missing_signature", "The Stripe-Signature header is missing.");
  const stripe = stripeClient(deps.config);
  let event: Stripe.Event;
  try {
    event = await stripe.webhooks.constructEventAsync(
      payload,
      signature,
      secret,
      undefined,
      cryptoProvider,
    );
  } catch {
    throw new ApiError(
      400,
      "invalid_signature",
      "The Stripe signature does not match this payload.",
    );
  }
  // At-least-once delivery: the first to record the id applies it; a redelivery changes nothing.
  const first = await deps.db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, created: event.created, receivedAt: deps.now() })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  if (first.length === 0) return { received: true, duplicate: true };
  try {
    const applied = await applyEvent(deps, stripe, event);
    return applied ? { received: true } : { received: true, ignored: true };
  } catch (err) {
    // Not applied: forget the id so Stripe's retry of this event is applied.
    await deps.db.delete(stripeEvents).where(eq(stripeEvents.id, event.id));
    throw err;
  }
}

async function userForCustomer(
  deps: Deps,
  customer: string | { id: string } | null,
): Promise<string | undefined> {
  const id = idOf(customer);
  if (!id) return undefined;
  return (
    await deps.db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.stripeCustomerId, id))
      .get()
  )?.id;
}

// The purge deletes the Stripe customer and then the account, so Stripe's event about the
// subscription that ended usually arrives for an account that is gone. It is acknowledged and
// ignored (the subscription's foreign key would refuse it, and Stripe would retry for days).
async function accountExists(deps: Deps, accountId: string, event: Stripe.Event): Promise<boolean> {
  if (await accountById(deps.db, accountId)) return true;
  deps.log.info("stripe event for an account that no longer exists ignored", {
    accountId,
    event: event.id,
    type: event.type,
  });
  return false;
}

async function applyEvent(deps: Deps, stripe: Stripe, event: Stripe.Event): Promise<boolean> {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      const accountId = accountIdIn(session.metadata) ?? session.client_reference_id ?? undefined;
      if (!accountId || !(await accountExists(deps, accountId, event))) return false;
      await linkCustomer(deps, accountId, idOf(session.customer));
      const subId = idOf(session.subscription);
      if (!subId) return false;
      const sub = await stripe.subscriptions.retrieve(subId);
      await applySubscription(deps, accountId, sub, event.created);
      return true;
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const sub = event.data.object;
      const accountId = accountIdIn(sub.metadata) ?? (await userForCustomer(deps, sub.customer));
      if (!accountId || !(await accountExists(deps, accountId, event))) return false;
      await applySubscription(deps, accountId, sub, event.created);
      return true;
    }
    case "invoice.paid":
    case "invoice.payment_failed": {
      // A payment concerns the subscription its invoice was for, and that one alone; an invoice
      // of no subscription (a one-off charge) starts or ends no grace period.
      const subId = subscriptionOfInvoice(event.data.object);
      if (!subId) return false;
      return applyPayment(deps, subId, event.type === "invoice.paid", event.created);
    }
    default:
      return false;
  }
}

// Since API version 2025-03-31 an invoice names its subscription under `parent`; before, at the
// top level. Either may be an id or the expanded object.
function subscriptionOfInvoice(invoice: Stripe.Invoice): string | undefined {
  const legacy = (invoice as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription ?? legacy ?? undefined);
}

// A subscription as Stripe describes it, stored against its own id, unless an event newer than
// this one about the same subscription was already applied (the guard is in the statement
// itself, so concurrent deliveries cannot interleave). Then the account's plan is read again from
// all its subscriptions: an event about one that is not in force changes nothing there.
export async function applySubscription(
  deps: Deps,
  accountId: string,
  sub: Stripe.Subscription,
  eventCreated: number,
): Promise<void> {
  const item = sub.items?.data?.[0];
  const plan =
    planForPrice(deps.config, item?.price?.id) ??
    (["starter", "pro", "business"].includes(sub.metadata?.plan ?? "")
      ? (sub.metadata.plan as PaidPlanId)
      : undefined);
  if (!plan) {
    deps.log.warn("subscription with a price we do not sell", { subscription: sub.id });
    return;
  }
  const createdMs = eventCreated * 1000;
  const pastDue = (["past_due", "unpaid"] as string[]).includes(sub.status);
  const periodEnd = (item as { current_period_end?: number } | undefined)?.current_period_end;
  const row = {
    accountId,
    stripeSubscriptionId: sub.id,
    status: sub.status,
    plan,
    stripeCreatedAt: typeof sub.created === "number" ? sub.created : eventCreated,
    currentPeriodEnd: periodEnd ? periodEnd * 1000 : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
    pastDueSince: pastDue ? createdMs : null,
    eventCreatedAt: eventCreated,
    updatedAt: deps.now(),
  };
  // What the subscription was, for the audit log: a change of status (past due, unpaid, canceled)
  // or of cancel-at-period-end matters to the owner even when the plan stays.
  const previous = await deps.db
    .select({ status: subscriptions.status, cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd })
    .from(subscriptions)
    .where(eq(subscriptions.stripeSubscriptionId, sub.id))
    .get();
  const applied = await deps.db
    .insert(subscriptions)
    .values(row)
    .onConflictDoUpdate({
      target: subscriptions.stripeSubscriptionId,
      set: {
        status: row.status,
        plan: row.plan,
        currentPeriodEnd: row.currentPeriodEnd,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
        // A grace period already running keeps its start; paying (or leaving past_due) ends it.
        pastDueSince: pastDue
          ? sql`coalesce(${subscriptions.pastDueSince}, ${createdMs})`
          : sql`null`,
        eventCreatedAt: row.eventCreatedAt,
        updatedAt: row.updatedAt,
      },
      // A subscription belongs to the account it was first seen for; an event naming another
      // account (metadata edited at Stripe) changes nothing.
      setWhere: sql`${subscriptions.eventCreatedAt} <= ${eventCreated} and ${subscriptions.accountId} = ${accountId}`,
    })
    .returning({ status: subscriptions.status });
  if (applied.length === 0) {
    deps.log.info("older or foreign subscription event ignored", {
      subscription: sub.id,
      eventCreated,
    });
    return;
  }
  // The subscription names its customer: link it if checkout's event has not yet.
  await linkCustomer(deps, accountId, idOf(sub.customer));
  const before = (
    await deps.db
      .select({ plan: accounts.plan })
      .from(accounts)
      .where(eq(accounts.id, accountId))
      .get()
  )?.plan;
  const effective = await settlePlan(deps, accountId);
  deps.log.info("subscription applied", {
    subscription: sub.id,
    status: sub.status,
    plan: effective,
  });
  const statusChanged =
    previous !== undefined &&
    (previous.status !== row.status || previous.cancelAtPeriodEnd !== row.cancelAtPeriodEnd);
  if (before && effective !== before)
    await recordAudit(
      deps,
      { system: true, accountId },
      "billing.change",
      { type: "account", id: accountId },
      { from: before, to: effective, subscription: sub.id, status: sub.status },
    );
  else if (statusChanged)
    await recordAudit(
      deps,
      { system: true, accountId },
      "billing.change",
      { type: "account", id: accountId },
      {
        subscription: sub.id,
        status: row.status,
        previousStatus: previous.status,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
      },
    );
  await enforceBilling(deps, accountId);
}

// The account's plan from the subscription in force, in one statement that reads every
// subscription of the account as it is now: whichever of two concurrent deliveries writes last
// writes what all of them together say.
async function settlePlan(deps: Deps, accountId: string): Promise<string> {
  const inForce = deps.db
    .select({ plan: subscriptions.plan })
    .from(subscriptions)
    .where(
      and(eq(subscriptions.accountId, accountId), inArray(subscriptions.status, [...PLAN_APPLIES])),
    )
    .orderBy(...IN_FORCE_ORDER)
    .limit(1);
  const updated = await deps.db
    .update(accounts)
    .set({ plan: sql`coalesce((${inForce}), 'trial')`, updatedAt: deps.now() })
    .where(eq(accounts.id, accountId))
    .returning({ plan: accounts.plan })
    .get();
  return updated?.plan ?? "trial";
}

async function applyPayment(
  deps: Deps,
  subscriptionId: string,
  paid: boolean,
  eventCreated: number,
): Promise<boolean> {
  const createdMs = eventCreated * 1000;
  const updated = await deps.db
    .update(subscriptions)
    .set({
      pastDueSince: paid ? null : sql`coalesce(${subscriptions.pastDueSince}, ${createdMs})`,
      paymentEventCreatedAt: eventCreated,
      updatedAt: deps.now(),
    })
    .where(
      and(
        eq(subscriptions.stripeSubscriptionId, subscriptionId),
        sql`${subscriptions.paymentEventCreatedAt} <= ${eventCreated}`,
      ),
    )
    .returning({ accountId: subscriptions.accountId })
    .get();
  if (!updated) return false;
  deps.log.info(paid ? "invoice paid" : "payment failed: grace period running", {
    accountId: updated.accountId,
    subscription: subscriptionId,
  });
  await enforceBilling(deps, updated.accountId);
  return true;
}

/** What /api/me says about the subscription. */
export async function subscriptionView(deps: Deps, accountId: string) {
  const sub = await currentSubscription(deps, accountId);
  if (!sub) return null;
  const graceMs = deps.config.BILLING_GRACE_DAYS * 86_400_000;
  return {
    plan: sub.plan,
    status: sub.status,
    currentPeriodEnd: sub.currentPeriodEnd ? new Date(sub.currentPeriodEnd).toISOString() : null,
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    pastDueSince: sub.pastDueSince ? new Date(sub.pastDueSince).toISOString() : null,
    graceEndsAt: sub.pastDueSince ? new Date(sub.pastDueSince + graceMs).toISOString() : null,
  };
}
