import type { IncomingMessage, ServerResponse } from "node:http";

// Telegram's Bot API on loopback, in its wire format: `/telegram/bot<token>/<method>` taking
// JSON, form-encoded, multipart or query parameters, answering `{ok:true,result}` or
// `{ok:false,error_code,description,parameters?}` with the same HTTP status; files downloaded
// from `/telegram/file/bot<token>/<file_path>`. Bots exist once a test registers them
// (`POST /telegram/_test/bots {token, username}`); every call is recorded per token
// (`GET /telegram/_test/requests?token=`). Tests can revoke a token, block a chat, store a file
// and make a later call of a method fail (`skip` calls succeed first). The helper below builds
// the request Telegram sends to a webhook; it uses only fetch types, so workerd tests import it.

export const TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

/** The request Telegram POSTs to a webhook for an update, with the secret given to setWebhook. */
export function telegramWebhookRequest(url: string, update: unknown, secretToken?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secretToken !== undefined) headers[TELEGRAM_SECRET_HEADER] = secretToken;
  return new Request(url, { method: "POST", headers, body: JSON.stringify(update) });
}

interface Bot {
  id: number;
  username: string;
  revoked: boolean;
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | null;
  blocked: Set<string>;
  files: Map<string, { path: string; bytes: Buffer }>;
  // Per method: after `skip` more successful calls, the next one fails with this envelope.
  failures: Map<
    string,
    { skip: number; error_code: number; description: string; retry_after?: number }
  >;
  requests: { method: string; params: Record<string, unknown> }[];
  nextMessageId: number;
}
const bots = new Map<string, Bot>();
let nextBotId = 7_000_000;

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}
const ok = (res: ServerResponse, result: unknown, description?: string) =>
  send(res, 200, { ok: true, result, ...(description ? { description } : {}) });
const fail = (res: ServerResponse, error_code: number, description: string, retryAfter?: number) =>
  send(res, error_code, {
    ok: false,
    error_code,
    description,
    ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }),
  });

// The Bot API takes parameters in any of four encodings; JSON-valued form fields are parsed.
async function paramsOf(req: IncomingMessage, url: URL, raw: Buffer) {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json") && raw.length)
    Object.assign(params, JSON.parse(`${raw}`));
  else if (type.startsWith("application/x-www-form-urlencoded"))
    Object.assign(params, Object.fromEntries(new URLSearchParams(`${raw}`)));
  else if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    for (const [k, v] of form) {
      params[k] =
        typeof v === "string"
          ? v
          : {
              filename: v.name,
              type: v.type,
              base64: Buffer.from(await v.arrayBuffer()).toString("base64"),
            };
    }
  }
  return params;
}

export async function handleTelegram(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  _body: string,
  raw: Buffer,
): Promise<boolean> {
  const path = url.pathname;
  if (!path.startsWith("/telegram/")) return false;
  if (path.startsWith("/telegram/_test/")) return testRoute(req, res, url, raw);

  const file = /^\/telegram\/file\/bot([^/]+)\/(.+)$/.exec(path);
  if (file && req.method === "GET") {
    const bot = bots.get(file[1] ?? "");
    const stored = bot && !bot.revoked && [...bot.files.values()].find((f) => f.path === file[2]);
    if (!stored) return fail(res, 404, "Not Found");
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(stored.bytes);
    return true;
  }

  const call = /^\/telegram\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
  if (!call) return fail(res, 404, "Not Found");
  const [, token = "", method = ""] = call;
  const bot = bots.get(token);
  if (!bot || bot.revoked) return fail(res, 401, "Unauthorized");
  const params = await paramsOf(req, url, raw);
  bot.requests.push({ method, params });
  const injected = bot.failures.get(method);
  if (injected && injected.skip-- <= 0) {
    bot.failures.delete(method);
    return fail(res, injected.error_code, injected.description, injected.retry_after);
  }
  const chat = String(params.chat_id ?? "");
  const message = (extra: Record<string, unknown>) => ({
    message_id: bot.nextMessageId++,
    from: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username },
    chat: { id: Number(chat), type: "private" },
    date: Math.floor(Date.now() / 1000),
    ...extra,
  });

  switch (method) {
    case "getMe":
      return ok(res, {
        id: bot.id,
        is_bot: true,
        first_name: `${bot.username} name`,
        username: bot.username,
      });
    case "setWebhook": {
      const hookUrl = String(params.url ?? "");
      if (!hookUrl.startsWith("https://"))
        return fail(
          res,
          400,
          "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        );
      const secret = params.secret_token as string | undefined;
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret))
        return fail(res, 400, "Bad Request: secret token contains unallowed characters");
      const allowed = params.allowed_updates;
      bot.webhook = {
        url: hookUrl,
        secret_token: secret,
        allowed_updates:
          typeof allowed === "string" ? JSON.parse(allowed) : (allowed as string[] | undefined),
      };
      return ok(res, true, "Webhook was set");
    }
    case "deleteWebhook":
      bot.webhook = null;
      return ok(res, true, "Webhook was deleted");
    case "getWebhookInfo":
      return ok(res, {
        url: bot.webhook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: 0,
        ...(bot.webhook?.allowed_updates ? { allowed_updates: bot.webhook.allowed_updates } : {}),
      });
    case "sendMessage": {
      if (!chat) return fail(res, 400, "Bad Request: chat_id is empty");
      if (bot.blocked.has(chat)) return fail(res, 403, "Forbidden: bot was blocked by the user");
      const text = String(params.text ?? "");
      if (text.trim() === "") return fail(res, 400, "Bad Request: message text is empty");
      if (text.length > 4096) return fail(res, 400, "Bad Request: message is too long");
      return ok(res, message({ text }));
    }
    case "sendDocument": {
      if (bot.blocked.has(chat)) return fail(res, 403, "Forbidden: bot was blocked by the user");
      const doc = params.document as { filename: string; type: string; base64: string } | undefined;
      if (!doc?.base64) return fail(res, 400, "Bad Request: there is no document in the request");
      return ok(
        res,
        message({
          document: {
            file_id: `doc-${bot.nextMessageId}`,
            file_name: doc.filename,
            mime_type: doc.type,
          },
        }),
      );
    }
    case "getFile": {
      const stored = bot.files.get(String(params.file_id ?? ""));
      if (!stored) return fail(res, 400, "Bad Request: invalid file_id");
      return ok(res, {
        file_id: params.file_id,
        file_unique_id: `u${params.file_id}`,
        file_size: stored.bytes.length,
        file_path: stored.path,
      });
    }
    default:
      return fail(res, 404, "Not Found");
  }
}

function testRoute(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): true {
  const input = req.method === "POST" ? (JSON.parse(`${raw}`) as Record<string, unknown>) : {};
  const token = String(input.token ?? url.searchParams.get("token") ?? "");
  const route = url.pathname.slice("/telegram/_test/".length);
  if (route === "bots" && req.method === "POST") {
    const bot: Bot = {
      id: ++nextBotId,
      username: String(input.username),
      revoked: false,
      webhook: null,
      blocked: new Set(),
      files: new Map(),
      failures: new Map(),
      requests: [],
      nextMessageId: 1000,
    };
    bots.set(token, bot);
    return send(res, 201, { id: bot.id });
  }
  const bot = bots.get(token);
  if (!bot) return send(res, 404, { error: "unknown bot" });
  if (route === "requests") return send(res, 200, { requests: bot.requests });
  if (route === "revoke") bot.revoked = true;
  else if (route === "block") bot.blocked.add(String(input.chatId));
  else if (route === "files")
    bot.files.set(String(input.fileId), {
      path: String(input.path),
      bytes: Buffer.from(String(input.base64), "base64"),
    });
  else if (route === "fail")
    bot.failures.set(String(input.method), {
      skip: Number(input.skip ?? 0),
      error_code: Number(input.errorCode),
      description: String(input.description),
      ...(input.retryAfter === undefined ? {} : { retry_after: Number(input.retryAfter) }),
    });
  else return send(res, 404, { error: "unknown test route" });
  return send(res, 200, { ok: true });
}
