import type { IncomingMessage, ServerResponse } from "node:http";

// Slack on loopback, in its wire format: the "Add to Slack" authorize page
// (`GET /slack/oauth/v2/authorize` redirecting back with ?code&state once a test has said which
// workspace consents for that state), and the Web API under `/slack/api/<method>`: bearer bot
// tokens, form-encoded or JSON bodies, HTTP 200 `{ok:false,error}` envelopes, HTTP 429 with
// Retry-After. Calls are recorded per token (`GET /slack/_test/requests?token=`). The signing
// helper builds Events API requests as Slack signs them (WebCrypto only: workerd tests use it).

export const SLACK_CLIENT_ID = "1111111111.2222222222";
export const SLACK_CLIENT_SECRET = "stand-in-slack-client-secret";
export const SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** An Events API request signed as Slack signs it: v0 HMAC-SHA256 of `v0:{ts}:{body}`. */
export async function signedSlackRequest(
  url: string,
  body: string,
  signingSecret = SLACK_SIGNING_SECRET,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<Request> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`v0:${timestamp}:${body}`),
  );
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": `v0=${hex}`,
    },
    body,
  });
}

interface Workspace {
  teamId: string;
  teamName: string;
  botUserId: string;
  revoked: boolean;
  users: Map<string, Record<string, unknown>>;
  failures: Map<string, { error: string; status: number; retryAfter?: number }>;
  requests: { method: string; params: Record<string, unknown> }[];
  ts: number;
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

function paramsOf(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json")) return JSON.parse(`${raw}`) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(`${raw}`));
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
  if (path.startsWith("/slack/_test/")) return testRoute(req, res, url, raw);

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
          bot_id: "B0STANDIN",
        },
      });
    }
    default:
      return slackError(res, "unknown_method");
  }
}

function testRoute(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): true {
  const input = req.method === "POST" ? (JSON.parse(`${raw}`) as Record<string, unknown>) : {};
  const token = String(input.token ?? url.searchParams.get("token") ?? "");
  const route = url.pathname.slice("/slack/_test/".length);
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
    });
    return send(res, 201, { ok: true });
  }
  const ws = workspaces.get(token);
  if (!ws) return send(res, 404, { error: "unknown workspace" });
  if (route === "requests") return send(res, 200, { requests: ws.requests });
  if (route === "consent") consents.set(String(input.state), token);
  else if (route === "revoke") ws.revoked = true;
  else if (route === "users") {
    const user = input.user as Record<string, unknown>;
    ws.users.set(String(user.id), user);
  } else if (route === "fail")
    ws.failures.set(String(input.method), {
      error: String(input.error),
      status: Number(input.status ?? 200),
      ...(input.retryAfter === undefined ? {} : { retryAfter: Number(input.retryAfter) }),
    });
  else return send(res, 404, { error: "unknown test route" });
  return send(res, 200, { ok: true });
}
