import { z } from "zod";
import { ChannelError, type ChannelErrorCode, retryAfterHeader } from "../channel-error.ts";
import { parseJsonBytes, providerFetch } from "../channel-http.ts";

// Slack's Web API: `POST {base}/<method>` with a bearer token, form-encoded or JSON, answered
// HTTP 200 `{ok:true,…}` or `{ok:false,error}` (HTTP 429 with Retry-After when rate limited).

export const SLACK_API_URL = "https://slack.com/api";
/** Text per message: Slack truncates at 40,000 but asks for at most 4,000. */
export const SLACK_TEXT_LIMIT = 4000;

export interface SlackWorkspace {
  /** SLACK_API_URL or a stand-in's. */
  apiUrl: string;
  /** The workspace's bot token (xoxb-…) from the OAuth install. */
  token: string;
}

const ERROR_CODES: Record<string, ChannelErrorCode> = {
  invalid_auth: "unauthorized",
  not_authed: "unauthorized",
  token_revoked: "unauthorized",
  token_expired: "unauthorized",
  account_inactive: "unauthorized",
  invalid_client_id: "unauthorized",
  bad_client_secret: "unauthorized",
  missing_scope: "forbidden",
  not_in_channel: "forbidden",
  is_archived: "forbidden",
  restricted_action: "forbidden",
  ekm_access_denied: "forbidden",
  channel_not_found: "not_found",
  user_not_found: "not_found",
  thread_not_found: "not_found",
  ratelimited: "rate_limited",
  rate_limited: "rate_limited",
  internal_error: "unavailable",
  fatal_error: "unavailable",
  service_unavailable: "unavailable",
  request_timeout: "unavailable",
};

const Envelope = z.union([
  z.object({ ok: z.literal(true) }).loose(),
  z.object({ ok: z.literal(false), error: z.string().max(200) }).loose(),
]);

/** Calls a Web API method; `{json}` sends a JSON body, otherwise form-encoded parameters. */
export async function callSlack<S extends z.ZodType>(
  apiUrl: string,
  method: string,
  token: string | null,
  params: Record<string, string> | { json: Record<string, unknown> },
  schema: S,
): Promise<z.infer<S>> {
  // oauth.v2.access has no token yet: its client credentials travel in the form body.
  const headers: Record<string, string> =
    token === null ? {} : { authorization: `Bearer ${token}` };
  let body: string;
  if ("json" in params) {
    headers["content-type"] = "application/json; charset=utf-8";
    body = JSON.stringify(params.json);
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(params as Record<string, string>).toString();
  }
  const url = `${apiUrl.replace(/\/+$/, "")}/${method}`;
  const res = await providerFetch("slack", url, { method: "POST", headers, body });
  const envelope = Envelope.safeParse(parseJsonBytes(res.bytes));
  const retryAfterSeconds = retryAfterHeader(res.headers.get("retry-after"));
  if (res.status === 429) {
    throw new ChannelError({
      provider: "slack",
      code: "rate_limited",
      providerCode: "ratelimited",
      message: `Slack rate-limited ${method}`,
      retryAfterSeconds,
    });
  }
  if (!envelope.success) {
    throw new ChannelError({
      provider: "slack",
      code: res.status >= 500 || res.status === 200 ? "unavailable" : "invalid_request",
      providerCode: String(res.status),
      message: `Slack answered ${method} with HTTP ${res.status} and no API envelope`,
    });
  }
  if (!envelope.data.ok) {
    const error = String(envelope.data.error);
    throw new ChannelError({
      provider: "slack",
      code: ERROR_CODES[error] ?? "invalid_request",
      providerCode: error,
      message: `Slack ${method}: ${error}`,
      retryAfterSeconds,
    });
  }
  const result = schema.safeParse(envelope.data);
  if (!result.success) {
    throw new ChannelError({
      provider: "slack",
      code: "unavailable",
      providerCode: "unexpected_result",
      message: `Slack answered ${method} with a result of an unexpected shape`,
    });
  }
  return result.data;
}
