import type { IncomingMessage, ServerResponse } from "node:http";
import {
  messageEvent,
  retryReason,
  type SentEvent,
  SLACK_MAX_RETRIES,
  SLACK_SIGNING_SECRET,
  sendSigned,
  verifyEventsUrl,
} from "./slack-event-delivery.ts";
import { delivered, testInput } from "./webhook-delivery.ts";

// Slack on loopback, in its wire format: the "Add to Slack" authorize page
// (`GET /slack/oauth/v2/authorize` redirecting back with ?code&state once a test has said which
// workspace consents for that state), and the Web API under `/slack/api/<method>`: bearer bot
// tokens, form-encoded or JSON bodies, HTTP 200 `{ok:false,error}` envelopes, HTTP 429 with
// Retry-After. Calls are recorded per token (`GET /slack/_test/requests?token=&method=`). Tests
// also play a person writing in the workspace: the Events API request is signed and POSTed to
// the events URL they give, and retried as Slack retries (slack-event-delivery.ts).

export const SLACK_CLIENT_ID = "1111111111.2222222222";
export const SLACK_CLIENT_SECRET = "stand-in-slack-client-secret";
export { SLACK_SIGNING_SECRET, signedSlackRequest } from "./slack-event-delivery.ts";

interface Workspace {
  teamId: string;
  teamName: string;
  botUserId: string;
  revoked: boolean;
  users: Map<string, Record<string, unknown>>;
  failures: Map<string, { error: string; status: number; retryAfter?: number }>;
  requests: { method: string; params: Record<string, unknown> }[];
  ts: number;
  events: Map<string, SentEvent>;
}
const workspaces = new Map<string, Workspace>(); // by bot token
const consents = new Map<string, string>(); // state → bot token
const codes = new Map<string, { token: string; redirectUri: string }>();

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
  return true;
}
const slackError = (res: ServerResponse, error: string) => send(res, 200, { ok: false, error });

// Null for a JSON body that does not parse (Slack answers invalid_json).
function paramsOf(req: IncomingMessage, raw: Buffer): Record<string, unknown> | null {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/json"))
    return Object.fromEntries(new URLSearchParams(`${raw}`));
  try {
    const params: unknown = JSON.parse(`${raw}`);
    return typeof params === "object" && params !== null
      ? (params as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export async function handleSlack(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  _body: string,
  raw: Buffer,
): Promise<boolean> {
  const path = url.pathname;
  if (!path.startsWith("/slack/")) return false;
  if (path.startsWith("/slack/_test/")) return await testRoute(req, res, url, raw);

  if (path === "/slack/oauth/v2/authorize" && req.method === "GET") {
    const q = url.searchParams;
    const token = consents.get(q.get("state") ?? "");
    if (q.get("client_id") !== SLACK_CLIENT_ID || !token || !q.get("redirect_uri")) {
      res.writeHead(400, { "content-type": "text/html" });
      res.end("<p>Something went wrong when authorizing this app.</p>");
      return true;
    }
    const code = `${Date.now()}.${Math.random().toString(36).slice(2)}`;
    codes.set(code, { token, redirectUri: q.get("redirect_uri") ?? "" });
    const back = new URL(q.get("redirect_uri") ?? "");
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.get("state") ?? "");
    res.writeHead(302, { location: back.toString() });
    res.end();
    return true;
  }

  const method = /^\/slack\/api\/([a-zA-Z.0-9]+)$/.exec(path)?.[1];
  if (!method || req.method !== "POST")
    return send(res, 404, { ok: false, error: "unknown_method" });
  const params = paramsOf(req, raw);
  if (!params) return slackError(res, "invalid_json");

  if (method === "oauth.v2.access") {
    if (params.client_id !== SLACK_CLIENT_ID) return slackError(res, "invalid_client_id");
    if (params.client_secret !== SLACK_CLIENT_SECRET) return slackError(res, "bad_client_secret");
    const issued = codes.get(String(params.code));
    if (!issued) return slackError(res, "invalid_code");
    codes.delete(String(params.code));
    if (issued.redirectUri !== params.redirect_uri) return slackError(res, "bad_redirect_uri");
    const ws = workspaces.get(issued.token);
    return send(res, 200, {
      ok: true,
      app_id: "A0STANDIN",
      authed_user: { id: "U0INSTALLER" },
      scope:
        "app_mentions:read,chat:write,chat:write.customize,im:history,im:read,im:write,users:read,users:read.email",
      token_type: "bot",
      access_token: issued.token,
      bot_user_id: ws?.botUserId,
      team: { id: ws?.teamId, name: ws?.teamName },
      enterprise: null,
      is_enterprise_install: false,
    });
  }

  const auth = req.headers.authorization;
  if (!auth?.startsWith("Bearer ")) return slackError(res, "not_authed");
  const token = auth.slice("Bearer ".length);
  const ws = workspaces.get(token);
  if (!ws) return slackError(res, "invalid_auth");
  if (ws.revoked) return slackError(res, "token_revoked");
  ws.requests.push({ method, params });
  const injected = ws.failures.get(method);
  if (injected) {
    ws.failures.delete(method);
    const headers: Record<string, string> =
      injected.retryAfter === undefined ? {} : { "retry-after": String(injected.retryAfter) };
    return send(res, injected.status, { ok: false, error: injected.error }, headers);
  }
  switch (method) {
    case "users.info": {
      const user = ws.users.get(String(params.user));
      return user ? send(res, 200, { ok: true, user }) : slackError(res, "user_not_found");
    }
    case "chat.postMessage": {
      if (!params.channel) return slackError(res, "channel_not_found");
      const text = String(params.text ?? "");
      if (text.trim() === "") return slackError(res, "no_text");
      if (text.length > 40_000) return slackError(res, "msg_too_long");
      const ts = `${Math.floor(Date.now() / 1000)}.${String(++ws.ts).padStart(6, "0")}`;
      return send(res, 200, {
        ok: true,
        channel: params.channel,
        ts,
        message: {
          type: "message",
          subtype: "bot_message",
          text,
          ts,
          username: params.username,
          ...(params.icon_url ? { icons: { image_48: params.icon_url } } : {}),
          ...(params.thread_ts ? { thread_ts: params.thread_ts } : {}),
          bot_id: "B0STANDIN",
          app_id: "A0STANDIN",
        },
      });
    }
    default:
      return slackError(res, "unknown_method");
  }
}

// A person as users.info shows them, from a test's short form.
function slackUser(input: Record<string, unknown>, teamId: string): Record<string, unknown> {
  const name = String(input.name ?? input.id);
  return {
    id: input.id,
    team_id: teamId,
    name: name.toLowerCase().replaceAll(" ", "."),
    real_name: name,
    deleted: false,
    is_bot: false,
    is_email_confirmed: input.emailConfirmed === true,
    profile: {
      real_name: name,
      display_name: name,
      ...(typeof input.email === "string" ? { email: input.email } : {}),
    },
  };
}

async function testRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: Buffer,
): Promise<true> {
  const input = testInput(req.method, raw);
  if (typeof input === "string") return send(res, 400, { error: input });
  const token = String(input.token ?? url.searchParams.get("token") ?? "");
  const route = url.pathname.slice("/slack/_test/".length);
  const signingSecret = String(input.signingSecret ?? SLACK_SIGNING_SECRET);
  if (route === "verify-url") {
    if (typeof input.url !== "string" || !URL.canParse(input.url))
      return send(res, 400, { error: "url must be the events URL" });
    return send(res, 200, await verifyEventsUrl(input.url, signingSecret));
  }
  if (route === "workspaces") {
    workspaces.set(token, {
      teamId: String(input.teamId),
      teamName: String(input.teamName),
      botUserId: String(input.botUserId),
      revoked: false,
      users: new Map(),
      failures: new Map(),
      requests: [],
      ts: 0,
      events: new Map(),
    });
    return send(res, 201, { ok: true });
  }
  const ws = workspaces.get(token);
  if (!ws) return send(res, 404, { error: "unknown workspace" });
  if (route === "requests") {
    const method = url.searchParams.get("method");
    return send(res, 200, {
      requests: method ? ws.requests.filter((r) => r.method === method) : ws.requests,
    });
  }
  if (route === "deliver") {
    const event = messageEvent(ws, input);
    if (typeof event === "string") return send(res, 400, { error: event });
    const hook = String(input.url);
    const timestamp = input.timestamp === undefined ? undefined : Number(input.timestamp);
    const last = await sendSigned(hook, event.body, signingSecret, {}, timestamp);
    ws.events.set(event.eventId, { url: hook, body: event.body, signingSecret, retries: 0, last });
    const { body: _sent, ...ids } = event;
    return send(res, 200, { ...ids, delivered: delivered(last), ...last });
  }
  if (route === "redeliver") {
    const eventId = String(input.eventId ?? [...ws.events.keys()].at(-1));
    const sent = ws.events.get(eventId);
    if (!sent) return send(res, 404, { error: "unknown event" });
    if (sent.retries >= SLACK_MAX_RETRIES)
      return send(res, 409, { error: `Slack retries an event ${SLACK_MAX_RETRIES} times` });
    sent.retries++;
    const reason = String(input.reason ?? retryReason(sent.last));
    sent.last = await sendSigned(sent.url, sent.body, sent.signingSecret, {
      "x-slack-retry-num": String(sent.retries),
      "x-slack-retry-reason": reason,
    });
    return send(res, 200, {
      eventId,
      retryNum: sent.retries,
      retryReason: reason,
      delivered: delivered(sent.last),
      ...sent.last,
    });
  }
  if (route === "consent") consents.set(String(input.state), token);
  else if (route === "revoke") ws.revoked = true;
  else if (route === "users") {
    const user = (input.user as Record<string, unknown> | undefined) ?? slackUser(input, ws.teamId);
    if (typeof user.id !== "string") return send(res, 400, { error: "the user needs an id" });
    ws.users.set(user.id, user);
  } else if (route === "fail")
    ws.failures.set(String(input.method), {
      error: String(input.error),
      status: Number(input.status ?? 200),
      ...(input.retryAfter === undefined ? {} : { retryAfter: Number(input.retryAfter) }),
    });
  else return send(res, 404, { error: "unknown test route" });
  return send(res, 200, { ok: true });
}
