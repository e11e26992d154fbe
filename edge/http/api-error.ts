import type { ErrorBody, ErrorCode } from "../contract/errors.ts";

// The one error shape of the API: {error: {code, message, fields?}} (edge/contract/errors.ts).
// Services throw ApiError; the app's error handler turns it (and anything unexpected) into that
// JSON. Codes come from the contract's one list, so the app has a message for each.
export type ErrorStatus =
  | 400
  | 401
  | 402
  | 403
  | 404
  | 409
  | 410
  | 413
  | 415
  | 422
  | 426
  | 429
  | 500
  | 502
  | 503;

export type { ErrorBody };

export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;
  readonly headers: Record<string, string> | undefined;
  /** More for the client beside code and message: an upgradeUrl with a 402. */
  readonly extra: { upgradeUrl: string } | undefined;

  constructor(
    status: ErrorStatus,
    code: ErrorCode,
    message: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
    extra?: { upgradeUrl: string },
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.headers = headers;
    this.extra = extra;
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.fields ? { fields: this.fields } : {}),
        ...this.extra,
      },
    };
  }
}

export const notFound = (what = "resource") =>
  new ApiError(404, "not_found", `That ${what} does not exist.`);

export const unauthorized = () =>
  new ApiError(401, "unauthorized", "You are not signed in, or your session has ended.");

export function tooManyRequests(retryAfterMs: number, what: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(
    429,
    "rate_limited",
    `Too many ${what}. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
    undefined,
    { "Retry-After": String(seconds) },
  );
}
