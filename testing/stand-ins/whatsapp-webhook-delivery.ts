import { deliver, isLoopbackUrl, randomId } from "./webhook-delivery.ts";

// Meta's side of the WhatsApp Cloud API webhooks: the GET handshake it makes when a callback
// URL is saved (hub.mode=subscribe, hub.verify_token, hub.challenge echoed), then POSTs of
// `whatsapp_business_account` changes (messages with their contacts; statuses alone) signed
// with the app secret. A redelivery sends the same bytes, as Meta's retries do. The signing
// helper uses WebCrypto only: workerd tests import it.

export const WHATSAPP_APP_SECRET = "stand-in-meta-app-secret";
export const WHATSAPP_VERIFY_TOKEN = "stand-in-verify-token";
/** Meta documents no deadline; guides say a few seconds. A slower webhook counts as failed. */
export const WHATSAPP_WEBHOOK_DEADLINE_MS = 10_000;
const USER_AGENT = "facebookexternalua";
const MEDIA_TYPES = new Set(["image", "document", "audio", "video", "sticker"]);
const STATUSES = new Set(["sent", "delivered", "read", "failed"]);

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

/** A number's webhook: set once the handshake succeeded (or named by the test). */
export interface WhatsAppHook {
  url: string;
  appSecret: string;
}

export interface WhatsAppSender {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

/** A message id in Meta's shape: `wamid.` and base64. */
export const wamid = () => `wamid.${btoa(`HBgL${randomId(32)}`)}`;

/**
 * The handshake Meta makes when the callback URL is saved: verified when the answer is 200 and
 * its body is the challenge.
 */
export async function subscribe(url: string, verifyToken: string) {
  const challenge = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  const target = new URL(url);
  target.searchParams.set("hub.mode", "subscribe");
  target.searchParams.set("hub.challenge", challenge);
  target.searchParams.set("hub.verify_token", verifyToken);
  const request = new Request(target, { headers: { "user-agent": USER_AGENT } });
  const outcome = await deliver(request, WHATSAPP_WEBHOOK_DEADLINE_MS);
  return { verified: outcome.status === 200 && outcome.body === challenge, challenge, ...outcome };
}

/** Sends one webhook body, signed with the app secret (the same bytes on every redelivery). */
export async function postWebhook(hook: WhatsAppHook, body: string) {
  const signed = await signedWhatsAppRequest(hook.url, body, hook.appSecret);
  signed.headers.set("user-agent", USER_AGENT);
  return deliver(signed, WHATSAPP_WEBHOOK_DEADLINE_MS);
}

/** Where a delivery goes: the test's `url` and `appSecret`, else the subscribed webhook. */
export function hookFor(
  input: Record<string, unknown>,
  subscribed: WhatsAppHook | undefined,
): WhatsAppHook | string {
  if (input.url === undefined) return subscribed ?? "no webhook: subscribe first, or give url";
  if (
    typeof input.url !== "string" ||
    !URL.canParse(input.url) ||
    !isLoopbackUrl(new URL(input.url))
  )
    return "url must be the webhook URL, on loopback";
  const appSecret = input.appSecret ?? subscribed?.appSecret ?? WHATSAPP_APP_SECRET;
  return { url: input.url, appSecret: String(appSecret) };
}

function envelope(number: WhatsAppSender, value: Record<string, unknown>): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: number.wabaId,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: {
                display_phone_number: number.displayPhoneNumber.replace(/\D/g, ""),
                phone_number_id: number.phoneNumberId,
              },
              ...value,
            },
            field: "messages",
          },
        ],
      },
    ],
  });
}

/**
 * A person's message as Meta's webhook body (text, or media given by id, optionally replying
 * to one of ours by `context`); or why the test's input is not one.
 */
export function messageWebhook(
  number: WhatsAppSender,
  input: Record<string, unknown>,
): { messageId: string; body: string } | string {
  const { from, text, media, context } = input;
  if (typeof from !== "string" || !/^\d{6,15}$/.test(from))
    return "from must be a WhatsApp id (6 to 15 digits)";
  const name = input.name ?? "Tess";
  if (typeof name !== "string" || name.length > 200) return "name must be a short string";
  if (text !== undefined && (typeof text !== "string" || text.length > 4096))
    return "text must be a string of at most 4096 characters";
  const file = media as Record<string, unknown> | undefined;
  if (file !== undefined && !(MEDIA_TYPES.has(String(file.type)) && typeof file.id === "string"))
    return "media must be {type: image|document|audio|video|sticker, id, mime_type?, …}";
  if ((text === undefined) === (file === undefined)) return "give either text or media";
  if (context !== undefined && typeof context !== "string")
    return "context must be the id of the message replied to";
  const messageId = wamid();
  const message: Record<string, unknown> = {
    ...(context
      ? { context: { from: number.displayPhoneNumber.replace(/\D/g, ""), id: context } }
      : {}),
    from,
    id: messageId,
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  if (file) {
    const { type, ...fields } = file;
    Object.assign(message, { type, [String(type)]: fields });
  } else Object.assign(message, { type: "text", text: { body: text } });
  const body = envelope(number, {
    contacts: [{ profile: { name }, wa_id: from }],
    messages: [message],
  });
  return { messageId, body };
}

/** A delivery receipt alone (no messages), as Meta sends for each message the number sent. */
export function statusWebhook(
  number: WhatsAppSender,
  input: Record<string, unknown>,
): { body: string } | string {
  const { messageId, recipientId } = input;
  const status = String(input.status ?? "delivered");
  if (typeof messageId !== "string" || messageId === "") return "messageId must be a wamid";
  if (typeof recipientId !== "string" || !/^\d{6,15}$/.test(recipientId))
    return "recipientId must be a WhatsApp id (6 to 15 digits)";
  if (!STATUSES.has(status)) return "status must be sent, delivered, read or failed";
  const receipt = {
    id: messageId,
    status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: recipientId,
    ...(status === "failed"
      ? { errors: [{ code: 131047, title: "Re-engagement message" }] }
      : {
          conversation: { id: randomId(32).toLowerCase(), origin: { type: "service" } },
          pricing: { billable: true, pricing_model: "CBP", category: "service" },
        }),
  };
  return { body: envelope(number, { statuses: [receipt] }) };
}
