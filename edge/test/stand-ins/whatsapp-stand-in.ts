import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

// The WhatsApp Business Cloud API (Meta's Graph API) on loopback, in its wire format:
// `/whatsapp/<version>/<phone-number-id>` (GET, fields), `…/messages` (POST JSON),
// `…/media` (POST multipart), `/<media-id>` (GET: a download URL, mime type, sha256, size), the
// download itself (bearer required, like Meta's lookaside host), bearer access tokens, and
// Graph's `{error:{message,type,code,error_subcode?,fbtrace_id}}` envelope. Tests register
// numbers, media and closed 24-hour windows, inject errors, and read what was received
// (`GET /whatsapp/_test/requests?token=`). The signing helper builds Meta's webhook POSTs
// (WebCrypto only: workerd tests use it).

export const WHATSAPP_APP_SECRET = "stand-in-meta-app-secret";
export const WHATSAPP_VERIFY_TOKEN = "stand-in-verify-token";

/** A webhook POST signed as Meta signs it: `X-Hub-Signature-256: sha256=<hex HMAC>`. */
export async function signedWhatsAppRequest(
  url: string,
  body: string,
  appSecret = WHATSAPP_APP_SECRET,
) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(appSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${hex}` },
    body,
  });
}

interface PhoneNumber {
  token: string;
  displayPhoneNumber: string;
  verifiedName: string;
  closedWindows: Set<string>;
  failures: { status: number; error: Record<string, unknown> }[];
  requests: { method: string; path: string; body: unknown }[];
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
  if (path.startsWith("/whatsapp/_test/")) return testRoute(req, res, url, raw);
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
  if (type.startsWith("application/json")) body = JSON.parse(`${raw}`);
  else if (type.startsWith("multipart/form-data")) {
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
    const upload = body as {
      messaging_product: string;
      file: { type: string; base64: string } | null;
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
    const msg = body as {
      messaging_product?: string;
      to?: string;
      type?: string;
      text?: { body?: string };
    };
    if (msg.messaging_product !== "whatsapp")
      return graphError(res, 400, {
        message: "(#100) The parameter messaging_product is required.",
        code: 100,
      });
    if (!msg.to)
      return graphError(res, 400, { message: "(#100) The parameter to is required.", code: 100 });
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
      messages: [{ id: `wamid.${Buffer.from(String(++nextId)).toString("base64")}` }],
    });
  }
  return graphError(res, 400, { message: "Unsupported request", code: 100 });
}

function testRoute(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): true {
  const input = req.method === "POST" ? (JSON.parse(`${raw}`) as Record<string, unknown>) : {};
  const route = url.pathname.slice("/whatsapp/_test/".length);
  if (route === "numbers") {
    numbers.set(String(input.phoneNumberId), {
      token: String(input.token),
      displayPhoneNumber: String(input.displayPhoneNumber),
      verifiedName: String(input.verifiedName),
      closedWindows: new Set(),
      failures: [],
      requests: [],
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
  const number = numbers.get(String(input.phoneNumberId ?? url.searchParams.get("phoneNumberId")));
  if (!number) return send(res, 404, { error: "unknown number" });
  if (route === "requests") return send(res, 200, { requests: number.requests });
  if (route === "close-window") number.closedWindows.add(String(input.waId));
  else if (route === "fail")
    number.failures.push({
      status: Number(input.status),
      error: input.error as Record<string, unknown>,
    });
  else return send(res, 404, { error: "unknown test route" });
  return send(res, 200, { ok: true });
}
