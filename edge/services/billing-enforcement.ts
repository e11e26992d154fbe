import { and, asc, desc, eq, inArray, lte, notInArray, sql } from "drizzle-orm";
import { accounts, employees, type SubscriptionRow, subscriptions } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import { ACCOUNT_DELETION_HOLD_REASON } from "../contract/account-lifecycle.ts";
import { employeeStub } from "../objects/stubs.ts";
import type { Deps } from "./deps.ts";

const DAY_MS = 86_400_000;
// Stripe statuses under which the subscription's plan applies. past_due and unpaid keep it
// during the grace period that starts at the first failed payment.
export const PLAN_APPLIES = ["active", "trialing", "past_due", "unpaid"] as const;
// The statuses the cron reads to find grace periods that ran out: both are set from Stripe's
// own subscription status by applySubscription (tests drive each through a webhook).
export const GRACE_STATUSES = ["past_due", "unpaid"] as const;
// Employees in these statuses are not running and cost nothing: billing leaves them be.
const AT_REST = ["stopped", "stopping", "removing"] as const;

// An account may hold several subscriptions (a second checkout, one replaced by another, old
// canceled ones). The one in force is the newest whose status lets its plan apply; with none
// live, the newest of all (what the account page shows). Every event is stored against its own
// subscription, and this order alone decides, so no event about another subscription can
// change the one in force.
export const IN_FORCE_ORDER = [
  desc(sql`${inArray(subscriptions.status, [...PLAN_APPLIES])}`),
  desc(subscriptions.stripeCreatedAt),
  desc(subscriptions.eventCreatedAt),
  desc(subscriptions.stripeSubscriptionId),
];

export async function currentSubscription(
  deps: Deps,
  accountId: string,
): Promise<SubscriptionRow | undefined> {
  return deps.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .orderBy(...IN_FORCE_ORDER)
    .limit(1)
    .get();
}

/** Whether a paid subscription is in force for the account (its plan applies, card charged). */
export async function paidSubscriptionInForce(deps: Deps, accountId: string): Promise<boolean> {
  const sub = await currentSubscription(deps, accountId);
  return sub !== undefined && (PLAN_APPLIES as readonly string[]).includes(sub.status);
}

export interface Allowance {
  /** How many employees may run, oldest first. */
  allowed: number;
  /** Why the others are stopped, in words for the customer. */
  reason: (name: string) => string;
  /** The same for the account as a whole. */
  why: string;
}

export async function allowanceOf(deps: Deps, accountId: string, now: number): Promise<Allowance> {
  const user = await deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!user) return { allowed: 0, reason: () => "", why: "" };
  // An account scheduled for deletion runs nothing until the owner cancels: every decision of
  // billing (a webhook, the cron) keeps it so, rather than starting what the deletion stopped.
  if (user.deletionRequestedAt !== null)
    return {
      allowed: 0,
      reason: () => ACCOUNT_DELETION_HOLD_REASON,
      why: ACCOUNT_DELETION_HOLD_REASON,
    };
  const sub = await currentSubscription(deps, accountId);
  if (user.plan === "trial") {
    if (user.trialEndsAt > now)
      return { allowed: planById("trial").maxEmployees, ...overPlan("trial") };
    return {
      allowed: 0,
      reason: (name) => `Your 7-day trial has ended. Choose a plan to start ${name} again.`,
      why: "Your 7-day trial has ended. Choose a plan to start them again.",
    };
  }
  const graceDays = deps.config.BILLING_GRACE_DAYS;
  if (
    sub?.pastDueSince &&
    (GRACE_STATUSES as readonly string[]).includes(sub.status) &&
    sub.pastDueSince + graceDays * DAY_MS <= now
  ) {
    const ended = new Date(sub.pastDueSince + graceDays * DAY_MS).toISOString().slice(0, 10);
    return {
      allowed: 0,
      reason: (name) =>
        `Your payment failed and the ${graceDays}-day grace period ended on ${ended}. Update your payment method to start ${name} again.`,
      why: `Your payment failed and the ${graceDays}-day grace period ended on ${ended}. Update your payment method to start them again.`,
    };
  }
  return { allowed: planById(user.plan).maxEmployees, ...overPlan(user.plan) };
}

function overPlan(plan: Parameters<typeof planById>[0]): Omit<Allowance, "allowed"> {
  const p = planById(plan);
  const includes = `the ${p.name} plan includes ${p.maxEmployees} employee${p.maxEmployees === 1 ? "" : "s"}`;
  return {
    reason: (name) =>
      `${name} was stopped because ${includes}. Upgrade, or fire another employee, to start ${name} again.`,
    why: `They were stopped because ${includes}. Upgrade, or fire another employee, to start them again.`,
  };
}

// One decision for the whole account from its current state: the oldest `allowed` employees may
// run (and get back what billing stopped), the newest beyond are held with the reason. Billing
// never deletes anything. Returns the names held now, for the account's notice.
export async function enforceBilling(
  deps: Deps,
  accountId: string,
  now = deps.now(),
): Promise<{ held: string[]; released: string[] }> {
  const first = await enforceOnce(deps, accountId, now);
  if (!first.forDeletion) return first;
  // Decided from a deletion request that the owner may have canceled while the loop ran: the
  // restore released everyone, and this loop, still on its earlier read, held them again. Then
  // decide once more from the account as it now is (the restore's own decision may have run
  // before these holds).
  const account = await deps.db
    .select({ deletionRequestedAt: accounts.deletionRequestedAt })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .get();
  if (!account || account.deletionRequestedAt !== null) return first;
  deps.log.info("deletion canceled during billing's decision; deciding again", { accountId });
  return enforceOnce(deps, accountId, now);
}

async function enforceOnce(
  deps: Deps,
  accountId: string,
  now: number,
): Promise<{ held: string[]; released: string[]; forDeletion: boolean }> {
  const { allowed, reason, why } = await allowanceOf(deps, accountId, now);
  const team = await deps.db
    .select({ id: employees.id, name: employees.name })
    .from(employees)
    .where(and(eq(employees.accountId, accountId), notInArray(employees.status, ["removing"])))
    .orderBy(asc(employees.createdAt), asc(employees.id));
  const held: string[] = [];
  const released: string[] = [];
  for (const [i, e] of team.entries()) {
    const stub = employeeStub(deps.env, e.id);
    const current = await stub.held();
    if (i < allowed) {
      if (current) {
        await stub.release();
        released.push(e.name);
      }
    } else {
      const why = reason(e.name);
      if (current !== why) {
        await stub.hold(why);
        held.push(e.name);
      }
    }
  }
  if (held.length || released.length) {
    const notice = held.length ? `Stopped ${held.join(", ")}. ${why}` : null;
    await deps.db
      .update(accounts)
      .set({ billingNotice: notice, updatedAt: now })
      .where(eq(accounts.id, accountId));
    deps.log.info("billing enforced", {
      accountId,
      allowed,
      held: held.length,
      released: released.length,
    });
  }
  return { held, released, forDeletion: why === ACCOUNT_DELETION_HOLD_REASON };
}

// The cron's part: accounts whose trial ended without a subscription, and accounts whose grace
// period ran out, that still have employees not at rest.
export async function enforceExpired(deps: Deps, now: number): Promise<number> {
  const active = deps.db
    .select({ accountId: employees.accountId })
    .from(employees)
    .where(notInArray(employees.status, [...AT_REST]));
  const trials = await deps.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(
      and(eq(accounts.plan, "trial"), lte(accounts.trialEndsAt, now), inArray(accounts.id, active)),
    );
  const overdue = await deps.db
    .select({ id: subscriptions.accountId, sub: subscriptions.stripeSubscriptionId })
    .from(subscriptions)
    .where(
      and(
        inArray(subscriptions.status, [...GRACE_STATUSES]),
        lte(subscriptions.pastDueSince, sql`${now - deps.config.BILLING_GRACE_DAYS * DAY_MS}`),
        inArray(subscriptions.accountId, active),
      ),
    );
  // Only a subscription in force can stop a team: an old one left unpaid behind a newer one
  // that is paid changes nothing.
  const lapsed: { id: string }[] = [];
  for (const row of overdue)
    if ((await currentSubscription(deps, row.id))?.stripeSubscriptionId === row.sub)
      lapsed.push(row);
  const ids = [...new Set([...trials, ...lapsed].map((r) => r.id))];
  for (const id of ids) await enforceBilling(deps, id, now);
  if (ids.length) deps.log.info("billing cron stopped employees", { accounts: ids.length });
  return ids.length;
}
