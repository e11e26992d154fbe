import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { delivered, testInput } from "./webhook-delivery.ts";
import {
  hookFor,
  messageWebhook,
  postWebhook,
  statusWebhook,
  subscribe,
  WHATSAPP_APP_SECRET,
  type WhatsAppHook,
  wamid,
} from "./whatsapp-webhook-delivery.ts";

// The WhatsApp Business Cloud API (Meta's Graph API) on loopback, in its wire format:
// `/whatsapp/<version>/<phone-number-id>` (GET, fields), `…/messages` (POST JSON),
// `…/media` (POST multipart), `/<media-id>` (GET: a download URL, mime type, sha256, size), the
// download itself (bearer required, like Meta's lookaside host), bearer access tokens, and
// Graph's `{error:{message,type,code,error_subcode?,fbtrace_id}}` envelope. Tests register
// numbers, media and closed 24-hour windows, inject errors, and read what was received
// (`GET /whatsapp/_test/requests?phoneNumberId=`). Tests also play Meta calling the webhook:
// the subscription handshake, a person's message or a delivery receipt signed with the app
// secret, and the same body again (whatsapp-webhook-delivery.ts).

export {
  signedWhatsAppRequest,
  WHATSAPP_APP_SECRET,
  WHATSAPP_VERIFY_TOKEN,
} from "./whatsapp-webhook-delivery.ts";

interface PhoneNumber {
  token: string;
  displayPhoneNumber: string;
  verifiedName: string;
  closedWindows: Set<string>;
  failures: { status: number; error: Record<string, unknown> }[];
  requests: { method: string; path: string; body: unknown }[];
  wabaId: string;
  hook?: WhatsAppHook;
  /** Every webhook body sent, by delivery id, for redelivery. */
  sent: Map<string, { hook: WhatsAppHook; body: string }>;
}
const numbers = new Map<string, PhoneNumber>(); // by phone number id
const media = new Map<string, { token: string; mimeType: string; bytes: Buffer }>();
let nextId = 900_000_000;

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}
const graphError = (res: ServerResponse, status: number, error: Record<string, unknown>) =>
  send(res, status, { error: { type: "OAuthException", fbtrace_id: "AStandInTrace", ...error } });
const badToken = (res: ServerResponse) =>
  graphError(res, 401, {
    message: "Invalid OAuth access token - Cannot parse access token",
    code: 190,
  });
const noObject = (res: ServerResponse, id: string) =>
  graphError(res, 400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    type: "GraphMethodException",
    code: 100,
    error_subcode: 33,
  });

export async function handleWhatsApp(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  _body: string,
  raw: Buffer,
): Promise<boolean> {
  const path = url.pathname;
  if (!path.startsWith("/whatsapp/")) return false;
  if (path.startsWith("/whatsapp/_test/")) return await testRoute(req, res, url, raw);
  const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";

  const download = /^\/whatsapp\/download\/(\d+)$/.exec(path);
  if (download) {
    const item = media.get(download[1] ?? "");
    if (!item || item.token !== token) return send(res, 404, { error: "not found" });
    res.writeHead(200, { "content-type": item.mimeType });
    res.end(item.bytes);
    return true;
  }

  const call = /^\/whatsapp\/(v\d+\.\d+)\/(\d+)(?:\/(messages|media))?$/.exec(path);
  if (!call) return graphError(res, 400, { message: "Unknown path components", code: 2500 });
  const [, version, id = "", edge] = call;
  const owner = [...numbers.entries()].find(([, n]) => n.token === token);
  if (!owner) return badToken(res);
  const [, number] = owner;

  let body: unknown = null;
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json") && raw.length) {
    try {
      body = JSON.parse(`${raw}`);
    } catch {
      return graphError(res, 400, {
        message: "(#100) The request body is not valid JSON",
        code: 100,
      });
    }
  } else if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    const file = form.get("file");
    body = {
      messaging_product: form.get("messaging_product"),
      type: form.get("type"),
      file:
        file instanceof Blob
          ? {
              name: (file as File).name,
              type: file.type,
              base64: Buffer.from(await file.arrayBuffer()).toString("base64"),
            }
          : null,
    };
  }
  number.requests.push({
    method: req.method ?? "GET",
    path: `/${version}/${id}${edge ? `/${edge}` : ""}${url.search}`,
    body,
  });
  const injected = number.failures.shift();
  if (injected) return graphError(res, injected.status, injected.error);

  if (!edge && req.method === "GET") {
    const item = media.get(id);
    if (item?.token === token) {
      return send(res, 200, {
        messaging_product: "whatsapp",
        url: `http://${req.headers.host}/whatsapp/download/${id}`,
        mime_type: item.mimeType,
        sha256: createHash("sha256").update(item.bytes).digest("hex"),
        file_size: item.bytes.length,
        id,
      });
    }
    if (numbers.get(id) !== number) return noObject(res, id);
    return send(res, 200, {
      id,
      display_phone_number: number.displayPhoneNumber,
      verified_name: number.verifiedName,
    });
  }
  if (numbers.get(id) !== number) return noObject(res, id);
  if (edge === "media" && req.method === "POST") {
    const upload = (body ?? {}) as {
      messaging_product: string;
      file?: { type: string; base64: string } | null;
    };
    if (upload.messaging_product !== "whatsapp" || !upload.file)
      return graphError(res, 400, { message: "(#100) The parameter file is required.", code: 100 });
    const mediaId = String(++nextId);
    media.set(mediaId, {
      token,
      mimeType: upload.file.type,
      bytes: Buffer.from(upload.file.base64, "base64"),
    });
    return send(res, 200, { id: mediaId });
  }
  if (edge === "messages" && req.method === "POST") {
    const msg = (body ?? {}) as {
      messaging_product?: string;
      to?: string;
      type?: string;
      text?: { body?: string };
      context?: { message_id?: unknown };
    };
    if (msg.messaging_product !== "whatsapp")
      return graphError(res, 400, {
        message: "(#100) The parameter messaging_product is required.",
        code: 100,
      });
    if (!msg.to)
      return graphError(res, 400, { message: "(#100) The parameter to is required.", code: 100 });
    if ((msg.type ?? "text") === "text" && typeof msg.text?.body !== "string")
      return graphError(res, 400, {
        message: "(#100) The parameter text['body'] is required.",
        code: 100,
      });
    if (msg.context !== undefined && typeof msg.context?.message_id !== "string")
      return graphError(res, 400, {
        message: "(#100) Invalid parameter",
        code: 100,
        error_data: { messaging_product: "whatsapp", details: "context.message_id is not valid" },
      });
    if (msg.type === "text" && (msg.text?.body ?? "").length > 4096)
      return graphError(res, 400, {
        message: "(#100) Param text['body'] must be at most 4096 characters long.",
        code: 100,
      });
    if (number.closedWindows.has(msg.to))
      return graphError(res, 400, {
        message: "(#131047) Re-engagement message",
        code: 131047,
        error_data: {
          messaging_product: "whatsapp",
          details:
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        },
      });
    return send(res, 200, {
      messaging_product: "whatsapp",
      contacts: [{ input: msg.to, wa_id: msg.to }],
      messages: [{ id: wamid() }],
    });
  }
  return graphError(res, 400, { message: "Unsupported request", code: 100 });
}

let nextDelivery = 0;

async function testRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: Buffer,
): Promise<true> {
  const input = testInput(req.method, raw);
  if (typeof input === "string") return send(res, 400, { error: input });
  const route = url.pathname.slice("/whatsapp/_test/".length);
  if (route === "numbers") {
    numbers.set(String(input.phoneNumberId), {
      token: String(input.token),
      displayPhoneNumber: String(input.displayPhoneNumber),
      verifiedName: String(input.verifiedName),
      closedWindows: new Set(),
      failures: [],
      requests: [],
      wabaId: String(input.wabaId ?? "102290129340398"),
      sent: new Map(),
    });
    return send(res, 201, { ok: true });
  }
  if (route === "media") {
    const mediaId = String(++nextId);
    media.set(mediaId, {
      token: String(input.token),
      mimeType: String(input.mimeType),
      bytes: Buffer.from(String(input.base64), "base64"),
    });
    return send(res, 201, { id: mediaId });
  }
  const phoneNumberId = String(input.phoneNumberId ?? url.searchParams.get("phoneNumberId"));
  const number = numbers.get(phoneNumberId);
  if (!number) return send(res, 404, { error: "unknown number" });
  if (route === "requests") return send(res, 200, { requests: number.requests });
  if (route === "subscribe") {
    if (typeof input.url !== "string" || !URL.canParse(input.url))
      return send(res, 400, { error: "url must be the callback URL" });
    const outcome = await subscribe(input.url, String(input.verifyToken ?? ""));
    if (outcome.verified)
      number.hook = { url: input.url, appSecret: String(input.appSecret ?? WHATSAPP_APP_SECRET) };
    return send(res, 200, outcome);
  }
  if (route === "deliver" || route === "deliver-status") {
    const hook = hookFor(input, number.hook);
    if (typeof hook === "string")
      return send(res, hook.startsWith("no webhook") ? 409 : 400, { error: hook });
    const sender = { phoneNumberId, ...number };
    const made = route === "deliver" ? messageWebhook(sender, input) : statusWebhook(sender, input);
    if (typeof made === "string") return send(res, 400, { error: made });
    const deliveryId = String(++nextDelivery);
    number.sent.set(deliveryId, { hook, body: made.body });
    const outcome = await postWebhook(hook, made.body);
    const { body: _sent, ...ids } = made;
    return send(res, 200, { deliveryId, ...ids, delivered: delivered(outcome), ...outcome });
  }
  if (route === "redeliver") {
    const deliveryId = String(input.deliveryId ?? [...number.sent.keys()].at(-1));
    const sent = number.sent.get(deliveryId);
    if (!sent) return send(res, 404, { error: "unknown delivery" });
    const outcome = await postWebhook(sent.hook, sent.body);
    return send(res, 200, { deliveryId, delivered: delivered(outcome), ...outcome });
  }
  if (route === "close-window") number.closedWindows.add(String(input.waId));
  else if (route === "fail")
    number.failures.push({
      status: Number(input.status),
      error: input.error as Record<string, unknown>,
    });
  else return send(res, 404, { error: "unknown test route" });
  return send(res, 200, { ok: true });
}
