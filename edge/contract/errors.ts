import * as z from "zod/mini";

// Every error code the edge answers with, in the one error shape
// {error: {code, message, fields?, upgradeUrl?}}. ApiError takes only these, so a new code is
// added here first, and the app's message table (keyed by PersonErrorCode) must then say it.

/** Codes a person can meet through the app (the app has a message for each). */
export const PERSON_ERROR_CODES = [
  // any request
  "invalid_input",
  "invalid_json",
  "unsupported_media_type",
  "body_too_large",
  "csrf_rejected",
  "unauthorized",
  "forbidden_role",
  "not_found",
  "upgrade_required",
  "rate_limited",
  "server_misconfigured",
  "internal_error",
  /** The page names another account (X-Account-Id) than the session now acts in: reload it. */
  "account_changed",
  // sign-in
  "email_unavailable",
  "link_invalid",
  "link_used",
  "link_expired",
  "google_not_configured",
  // employees
  "plan_limit_reached",
  "trial_expired",
  "invalid_state",
  "employee_not_running",
  "access_not_configured",
  "chat_views_exhausted",
  "memory_unavailable",
  /** A restore's backup failed its checksums (issue 16): it is refused, nothing changes. */
  "snapshot_corrupt",
  // knowledge base
  "invalid_file",
  "file_too_large",
  "upload_too_large",
  "too_many_files",
  "storage_full",
  // billing
  "billing_not_configured",
  "billing_unavailable",
  "already_subscribed",
  "no_billing_account",
  // channels (issue 17)
  /** The bot or number is connected to another employee. */
  "channel_in_use",
  /** The email address is another employee's. */
  "address_taken",
  /** The provider refused what was pasted (fields.reason is the provider's own words). */
  "channel_rejected",
  /** The provider could not be reached (502). */
  "channel_unavailable",
  /** This server has no channels set up (503). */
  "channels_not_configured",
  // trust and proof (issue 18)
  /** Someone else decided it first, or it expired (409): the inbox shows what happened. */
  "approval_decided",
  /** The employee has as many scheduled tasks as it may (MAX_SCHEDULES). */
  "schedule_limit_reached",
  /** The cron expression is not one, or fires more often than allowed (fields.cron says why). */
  "invalid_schedule",
] as const;

/** Codes only machines meet: node agents, Stripe's webhook, the employees' model clients (/v1). */
export const MACHINE_ERROR_CODES = [
  "invalid_node_token",
  "missing_signature",
  "invalid_signature",
  "invalid_request",
  "invalid_api_key",
  "model_not_allowed",
  "model_not_found",
  "budget_exceeded",
  "upstream_rejected",
  "upstream_unavailable",
  "llm_not_configured",
  "client_closed_request",
  // snapshots (the agent's /agent/snapshots routes)
  "invalid_frame",
  "chunk_digest_mismatch",
  "invalid_manifest",
  "snapshot_incomplete",
  "snapshot_corrupt",
  "snapshots_not_configured",
  "snapshot_key_gone",
  // the agent's answer to approval.resolve when OpenClaw no longer holds the request
  "approval_not_found",
] as const;

export const ERROR_CODES = [...PERSON_ERROR_CODES, ...MACHINE_ERROR_CODES] as const;
export type PersonErrorCode = (typeof PERSON_ERROR_CODES)[number];
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a client says when there was no answer in the error shape (network down, not JSON). */
export const CLIENT_ERROR_CODES = ["network", "http_error"] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);

// The code is read as any string: a client must survive an edge newer than itself.
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.optional(z.record(z.string(), z.string())),
    /** With 402 answers: where the plan can be changed. */
    upgradeUrl: z.optional(z.string()),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
