import type { IncomingMessage, ServerResponse } from "node:http";
import {
  deliverUpdate,
  makeMessageUpdate,
  newTelegramUpdates,
  pollUpdates,
  setWebhook,
  type TelegramUpdates,
  webhookInfo,
} from "./telegram-webhook-delivery.ts";
import { type Delivery, delivered, testInput } from "./webhook-delivery.ts";

export {
  TELEGRAM_SECRET_HEADER,
  telegramWebhookRequest,
} from "./telegram-webhook-delivery.ts";

// Telegram's Bot API on loopback, in its wire format: `/telegram/bot<token>/<method>` taking
// JSON, form-encoded, multipart or query parameters, answering `{ok:true,result}` or
// `{ok:false,error_code,description,parameters?}` with the same HTTP status; files downloaded
// from `/telegram/file/bot<token>/<file_path>`. Bots exist once a test registers them
// (`POST /telegram/_test/bots {token, username}`); every call is recorded per token
// (`GET /telegram/_test/requests?token=`). Tests can revoke a token, block a chat, store a file
// and make a later call of a method fail (`skip` calls succeed first). Tests also play a person
// writing to the bot: the update is POSTed to the webhook set with setWebhook, with its secret
// token, and can be sent again (telegram-webhook-delivery.ts).

interface Bot {
  id: number;
  username: string;
  revoked: boolean;
  updates: TelegramUpdates;
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
  if (type.startsWith("application/json") && raw.length) {
    const json: unknown = JSON.parse(`${raw}`);
    if (typeof json !== "object" || json === null) throw new SyntaxError("not an object");
    Object.assign(params, json);
  } else if (type.startsWith("application/x-www-form-urlencoded"))
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
  if (path.startsWith("/telegram/_test/")) return await testRoute(req, res, url, raw);

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
  const params = await paramsOf(req, url, raw).catch(() => null);
  if (!params) return fail(res, 400, "Bad Request: can't parse JSON object");
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
      const outcome = setWebhook(bot.updates, params);
      return "error" in outcome
        ? fail(res, 400, outcome.error)
        : ok(res, true, outcome.description);
    }
    case "deleteWebhook": {
      const had = bot.updates.webhook !== null;
      bot.updates.webhook = null;
      if (params.drop_pending_updates === true || params.drop_pending_updates === "true")
        bot.updates.pending.clear();
      return ok(res, true, had ? "Webhook was deleted" : "Webhook is already deleted");
    }
    case "getWebhookInfo":
      return ok(res, webhookInfo(bot.updates));
    case "getUpdates":
      if (bot.updates.webhook)
        return fail(
          res,
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      return ok(res, pollUpdates(bot.updates, Number(params.offset ?? 0)));
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

// What a delivery control answers: the update's ids and what the webhook said (`pending` when
// no webhook is set: the update waits for getUpdates).
function deliveryAnswer(res: ServerResponse, bot: Bot, updateId: number, outcome: Delivery | null) {
  const update = bot.updates.made.get(updateId) as { message?: { message_id: number } };
  return send(res, 200, {
    updateId,
    messageId: update.message?.message_id,
    delivered: outcome !== null && delivered(outcome),
    ...(outcome ?? { status: null, pending: true }),
  });
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
  const route = url.pathname.slice("/telegram/_test/".length);
  if (route === "bots" && req.method === "POST") {
    const bot: Bot = {
      id: ++nextBotId,
      username: String(input.username),
      revoked: false,
      updates: newTelegramUpdates(),
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
  if (route === "requests") {
    const method = url.searchParams.get("method");
    return send(res, 200, {
      requests: method ? bot.requests.filter((r) => r.method === method) : bot.requests,
    });
  }
  if (route === "deliver" && req.method === "POST") {
    const made = makeMessageUpdate(bot.updates, bot.nextMessageId++, input);
    if (typeof made === "string") return send(res, 400, { error: made });
    const secret = input.secretToken as string | null | undefined;
    return deliveryAnswer(
      res,
      bot,
      made.updateId,
      await deliverUpdate(bot.updates, made.updateId, secret),
    );
  }
  if (route === "redeliver" && req.method === "POST") {
    const updateId = Number(input.updateId ?? Math.max(0, ...bot.updates.made.keys()));
    if (!bot.updates.made.has(updateId)) return send(res, 404, { error: "unknown update" });
    const secret = input.secretToken as string | null | undefined;
    return deliveryAnswer(res, bot, updateId, await deliverUpdate(bot.updates, updateId, secret));
  }
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
