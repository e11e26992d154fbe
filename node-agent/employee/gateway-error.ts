import type { GatewayErrorShape } from "./gateway-frames.ts";

// Why a gateway call failed: OpenClaw's own error (code INVALID_REQUEST, FORBIDDEN, NOT_PAIRED,
// UNAVAILABLE; `detail` its details.code such as MISSING_SCOPE or AUTH_UNAUTHORIZED), or the
// client's: TIMEOUT (no answer in time), DISCONNECTED (the socket went while waiting; a chat.send
// may or may not have been taken, and resending with the same idempotency key is safe), CLOSED
// (the client was closed), NOT_RUNNING (no gateway to reach), BAD_RESPONSE (an answer that does
// not parse).
export class GatewayError extends Error {
  readonly code: string;
  readonly detail: string | undefined;
  /** details.reason, where OpenClaw names one (approvals: APPROVAL_NOT_FOUND, …). */
  readonly reason: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    opts: {
      detail?: string | undefined;
      reason?: string | undefined;
      retryable?: boolean;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.code = code;
    this.detail = opts.detail;
    this.reason = opts.reason;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }

  static from(shape: GatewayErrorShape): GatewayError {
    const details = shape.details as { code?: unknown; reason?: unknown } | undefined;
    const detail =
      details && typeof details === "object" && typeof details.code === "string"
        ? details.code.slice(0, 100)
        : undefined;
    const reason =
      details && typeof details === "object" && typeof details.reason === "string"
        ? details.reason.slice(0, 100)
        : undefined;
    return new GatewayError(shape.code.slice(0, 100), shape.message.slice(0, 1_000), {
      detail,
      reason,
      retryable: shape.retryable === true,
      ...(shape.retryAfterMs !== undefined ? { retryAfterMs: shape.retryAfterMs } : {}),
    });
  }
}
