import type { MessageKey } from "../i18n/en.ts";
import type { Lang } from "../i18n/i18n.tsx";
import { ApiFailure } from "./api.ts";
import type { EmployeeStatus } from "./types.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

// API errors the app can meet, by code; anything else falls back to a generic sentence in the
// visitor's language (English readers also get the server's own words).
const KNOWN_CODES = [
  "invalid_state",
  "plan_limit_reached",
  "trial_expired",
  "rate_limited",
  "network",
  "email_unavailable",
  "employee_not_running",
  "access_not_configured",
  "unauthorized",
  "not_found",
  "invalid_file",
  "file_too_large",
  "upload_too_large",
  "too_many_files",
  "storage_full",
  "memory_unavailable",
  "billing_not_configured",
  "already_subscribed",
  "no_billing_account",
  "chat_views_exhausted",
] as const;

export function apiMessage(err: unknown, t: T, lang: Lang): string {
  if (err instanceof ApiFailure) {
    if ((KNOWN_CODES as readonly string[]).includes(err.code))
      return t(`apiError.${err.code}` as MessageKey);
    if (lang === "en" && err.message) return err.message;
  }
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
