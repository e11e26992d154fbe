import type { EmployeeStatus } from "../../../edge/contract/employee.ts";
import type { ClientErrorCode, PersonErrorCode } from "../../../edge/contract/errors.ts";
import type { MessageKey } from "../i18n/en.ts";
import type { Lang } from "../i18n/i18n.tsx";
import { ApiFailure } from "./api.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

// What the visitor reads for each error code a person can meet (edge/contract/errors.ts): a
// code added to the contract without a line here is a type error, and en.ts/de.ts must have the
// same keys, so every code is said in every language.
export const API_ERROR_TEXT: Record<PersonErrorCode | ClientErrorCode, MessageKey> = {
  invalid_input: "apiError.invalid_input",
  invalid_json: "apiError.invalid_request",
  unsupported_media_type: "apiError.invalid_request",
  body_too_large: "apiError.body_too_large",
  csrf_rejected: "apiError.csrf_rejected",
  unauthorized: "apiError.unauthorized",
  forbidden_role: "apiError.forbidden_role",
  not_found: "apiError.not_found",
  upgrade_required: "apiError.invalid_request",
  rate_limited: "apiError.rate_limited",
  server_misconfigured: "error.generic",
  internal_error: "error.generic",
  account_changed: "apiError.account_changed",
  email_unavailable: "apiError.email_unavailable",
  link_invalid: "error.link_invalid",
  link_used: "error.link_used",
  link_expired: "error.link_expired",
  google_not_configured: "apiError.google_not_configured",
  plan_limit_reached: "apiError.plan_limit_reached",
  trial_expired: "apiError.trial_expired",
  invalid_state: "apiError.invalid_state",
  employee_not_running: "apiError.employee_not_running",
  access_not_configured: "apiError.access_not_configured",
  chat_views_exhausted: "apiError.chat_views_exhausted",
  memory_unavailable: "apiError.memory_unavailable",
  snapshot_corrupt: "apiError.snapshot_corrupt",
  invalid_file: "apiError.invalid_file",
  file_too_large: "apiError.file_too_large",
  upload_too_large: "apiError.upload_too_large",
  too_many_files: "apiError.too_many_files",
  storage_full: "apiError.storage_full",
  billing_not_configured: "apiError.billing_not_configured",
  billing_unavailable: "apiError.billing_unavailable",
  already_subscribed: "apiError.already_subscribed",
  no_billing_account: "apiError.no_billing_account",
  channel_in_use: "apiError.channel_in_use",
  address_taken: "apiError.address_taken",
  channel_rejected: "apiError.channel_rejected",
  channel_unavailable: "apiError.channel_unavailable",
  channels_not_configured: "apiError.channels_not_configured",
  approval_decided: "apiError.approval_decided",
  schedule_limit_reached: "apiError.schedule_limit_reached",
  invalid_schedule: "apiError.invalid_schedule",
  network: "apiError.network",
  http_error: "error.generic",
};

const isKnown = (code: string): code is keyof typeof API_ERROR_TEXT =>
  Object.hasOwn(API_ERROR_TEXT, code);

// Failures said generically (our side went wrong, an answer that was not our JSON, a code this
// app does not know yet) give English readers the server's own words too: they quote the
// request id support asks for.
export function apiMessage(err: unknown, t: T, lang: Lang): string {
  const key = err instanceof ApiFailure && isKnown(err.code) ? API_ERROR_TEXT[err.code] : null;
  if (key && key !== "error.generic") return t(key);
  if (err instanceof ApiFailure && lang === "en" && err.message) return err.message;
  return t("error.generic");
}

// The edge explains a status in English, with details (exit codes, the server's words). English
// readers see that sentence; others see it in their language, with the details kept below.
export function reasonText(
  status: EmployeeStatus,
  reason: string | null,
  t: T,
  lang: Lang,
): { text: string; detail: string | null } | null {
  if (!reason) return null;
  if (lang === "en") return { text: reason, detail: null };
  const key = `reason.${status}` as MessageKey;
  return {
    text: t(
      status === "error" || status === "stopped" || status === "unhealthy" ? key : "reason.other",
    ),
    detail: reason,
  };
}
