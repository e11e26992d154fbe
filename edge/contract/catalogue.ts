import * as z from "zod/mini";
import { StepId } from "./steps.ts";

export const PLAN_IDS = ["trial", "starter", "pro", "business"] as const;
export const PlanId = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof PlanId>;
export const PAID_PLAN_IDS = ["starter", "pro", "business"] as const;
export const PaidPlanId = z.enum(PAID_PLAN_IDS, { message: "One of: starter, pro, business." });
export type PaidPlanId = z.infer<typeof PaidPlanId>;

export const Plan = z.object({
  id: PlanId,
  name: z.string(),
  priceCentsPerMonth: z.number(),
  currency: z.literal("eur"),
  maxEmployees: z.number(),
  llmBudgetCentsPerMonth: z.number(),
  /** Gateway models (ids of edge/llm/models.ts, plus the alias "auto") this plan may use. */
  llmModels: z.array(z.string()),
  /**
   * The most tokens one model request may generate (answer, tool calls and reasoning): the
   * gateway caps max_tokens / max_completion_tokens at it, always sends it upstream, and reserves
   * budget for it before calling the provider.
   */
  llmMaxCompletionTokens: z.number(),
  /** Only the trial has a length; paid plans renew monthly. */
  trialDays: z.number(),
  /** Chat sessions included (the trial's paywall, POST /api/employees/:id/access); null: no limit. */
  chatSessions: z.nullable(z.number()),
  includes: z.array(z.string()),
});
export type Plan = z.infer<typeof Plan>;

const Named = { id: z.string(), name: z.string(), description: z.string() };
export const Role = z.object({ ...Named, defaultSkills: z.array(z.string()) });
export const Skill = z.object(Named);
export const Tone = z.object(Named);

// GET /api/catalogue: what a visitor may see before signing up, and the English text of every
// step id (the app translates by id).
export const Catalogue = z.object({
  plans: z.array(Plan),
  roles: z.array(Role),
  skills: z.array(Skill),
  tones: z.array(Tone),
  steps: z.array(z.object({ id: StepId, name: z.string() })),
});
export type Catalogue = z.infer<typeof Catalogue>;
