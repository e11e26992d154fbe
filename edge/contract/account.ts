import * as z from "zod/mini";
import { PaidPlanId, PlanId } from "./catalogue.ts";
import { TeamRole } from "./team.ts";

export const Subscription = z.object({
  plan: PaidPlanId,
  /** Stripe's own status (active, trialing, past_due, unpaid, canceled, …). */
  status: z.string(),
  currentPeriodEnd: z.nullable(z.string()),
  cancelAtPeriodEnd: z.boolean(),
  pastDueSince: z.nullable(z.string()),
  graceEndsAt: z.nullable(z.string()),
});
export type Subscription = z.infer<typeof Subscription>;

// GET /api/me: the signed-in person, the account they act in (with their role there), its
// plan's limits and what is used of them.
export const Me = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.nullable(z.string()) }),
  account: z.object({ id: z.string(), name: z.string(), role: TeamRole }),
  plan: PlanId,
  trialEndsAt: z.string(),
  subscription: z.nullable(Subscription),
  /** Why billing stopped employees, in English; null when it stopped none. */
  billingNotice: z.nullable(z.string()),
  billingConfigured: z.boolean(),
  limits: z.object({ maxEmployees: z.number(), llmBudgetCentsPerMonth: z.number() }),
  usage: z.object({
    employees: z.number(),
    llmCostCentsThisMonth: z.number(),
    llmTokensThisMonth: z.number(),
    llmBudgetUsedPercent: z.number(),
    llmBudgetWarning: z.boolean(),
    /** The trial's paywall (POST /api/employees/:id/access); null on paid plans. */
    chatViews: z.nullable(z.object({ used: z.number(), limit: z.number() })),
  }),
});
export type Me = z.infer<typeof Me>;

/** GET /api/auth/magic-link?token=: whose link it is, without spending it. */
export const SignInLink = z.object({ email: z.string(), expiresAt: z.string() });
export type SignInLink = z.infer<typeof SignInLink>;

/** GET /api/dev/mailbox (development only): what the development mailer "sent". */
export const DevMail = z.object({
  to: z.string(),
  subject: z.string(),
  /** The sign-in link in it; null for mail without one. */
  link: z.nullable(z.string()),
  sentAt: z.string(),
  /** Its sender, text and extra headers (In-Reply-To, References: a channel's threading). */
  from: z.optional(z.nullable(z.string())),
  text: z.optional(z.string()),
  headers: z.optional(z.record(z.string(), z.string())),
});
export type DevMail = z.infer<typeof DevMail>;
