import * as z from "zod/mini";
import { StepId } from "./steps.ts";

// A launch (a hire, or a Start of a stopped or failed employee) as the checklist shows it: the
// steps in order, each done, active, pending or failed, with its real times and the time it
// usually takes (the median of the last launches, measured by the edge). `queuePosition` is the
// employee's place among those waiting for a server with room (1: next), null when not waiting;
// `readyEmail` whether whoever hired the employee is emailed when it is ready (its first launch).
// The employee view carries it while provisioning, and after a launch that failed.

/** The steps of a launch, in order; `waiting_for_server` only happens when no server has room. */
export const LAUNCH_STEPS = [
  "finding_server",
  "waiting_for_server",
  "preparing_workspace",
  "starting_container",
  "waiting_until_ready",
] as const satisfies readonly StepId[];
export type LaunchStepId = (typeof LAUNCH_STEPS)[number];

export const LAUNCH_STEP_STATES = ["done", "active", "pending", "failed"] as const;
export type LaunchStepState = (typeof LAUNCH_STEP_STATES)[number];

export const LaunchStep = z.object({
  id: StepId,
  status: z.enum(LAUNCH_STEP_STATES),
  startedAt: z.nullable(z.string()),
  endedAt: z.nullable(z.string()),
  /** What this step usually takes, in milliseconds. */
  expectedMs: z.number(),
});
export type LaunchStep = z.infer<typeof LaunchStep>;

export const Launch = z.object({
  startedAt: z.string(),
  steps: z.array(LaunchStep),
  queuePosition: z.nullable(z.number()),
  readyEmail: z.boolean(),
});
export type Launch = z.infer<typeof Launch>;

// The app's language, which the ready email is written in: the app keeps it in the `iw_lang`
// cookie (app/src/i18n/i18n.tsx, LANG_COOKIE), which reaches the API on the same origin.
export const MAIL_LANGUAGES = ["en", "de"] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** The language a Cookie header names; English when it names none we write in. */
export function mailLanguageOf(cookie: string | null | undefined): MailLanguage {
  const value = /(?:^|;\s*)iw_lang=([a-z]{2})(?:;|$)/.exec(cookie ?? "")?.[1];
  return (MAIL_LANGUAGES as readonly string[]).includes(value ?? "")
    ? (value as MailLanguage)
    : "en";
}
