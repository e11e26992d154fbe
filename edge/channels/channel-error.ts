import type { ChannelKind } from "./channel-message.ts";

// A provider's refusal, in one typed shape whatever the provider's own envelope was, so the
// inbox can decide: retry later (rate_limited, unavailable), stop and tell the customer
// (unauthorized: the credential was revoked; forbidden: the person blocked the bot or the
// conversation window closed), or drop the reply (invalid_request, not_found).
export type ChannelErrorCode =
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "rate_limited"
  | "invalid_request"
  | "too_large"
  | "unavailable";

export class ChannelError extends Error {
  override readonly name = "ChannelError";
  readonly provider: ChannelKind;
  readonly code: ChannelErrorCode;
  /** The provider's own error name or number (`invalid_auth`, `131047`, `403`), for logs. */
  readonly providerCode: string;
  /** Seconds the provider asked us to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;
  /** Parts of a split reply already delivered before this failure (resume from there). */
  readonly partsDelivered: number;

  constructor(opts: {
    provider: ChannelKind;
    code: ChannelErrorCode;
    providerCode: string;
    message: string;
    retryAfterSeconds?: number;
    partsDelivered?: number;
  }) {
    super(opts.message);
    this.provider = opts.provider;
    this.code = opts.code;
    this.providerCode = opts.providerCode;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.partsDelivered = opts.partsDelivered ?? 0;
  }

  get retryable(): boolean {
    return this.code === "rate_limited" || this.code === "unavailable";
  }

  /** The same failure, noting how many parts of a split reply had already gone out. */
  afterParts(partsDelivered: number): ChannelError {
    return new ChannelError({
      provider: this.provider,
      code: this.code,
      providerCode: this.providerCode,
      message: this.message,
      retryAfterSeconds: this.retryAfterSeconds,
      partsDelivered,
    });
  }
}

/** Seconds from a Retry-After header (delta-seconds only; providers here send no dates). */
export function retryAfterHeader(value: string | null): number | undefined {
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
