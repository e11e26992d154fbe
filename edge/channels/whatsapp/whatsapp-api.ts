import { z } from "zod";
import { ChannelError, type ChannelErrorCode } from "../channel-error.ts";
import { parseJsonBytes, providerFetch } from "../channel-http.ts";

// The WhatsApp Business Cloud API on Meta's Graph API: `{base}/{version}/<path>` with a bearer
// access token, JSON (multipart for media uploads), errors as `{error:{message,type,code,…}}`.

export const WHATSAPP_GRAPH_URL = "https://graph.facebook.com";
/** The Graph API version every call names; Meta supports a version for about two years. */
export const GRAPH_API_VERSION = "v24.0";
/** Longest text body of one message. */
export const WHATSAPP_TEXT_LIMIT = 4096;

export interface WhatsAppNumber {
  /** WHATSAPP_GRAPH_URL or a stand-in's. */
  graphUrl: string;
  /** A system user's access token with whatsapp_business_messaging. */
  accessToken: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
}

// Graph ids are digits; checked before one is put into a URL path.
const GRAPH_ID = /^\d{1,30}$/;

const ErrorEnvelope = z.object({
  error: z
    .object({
      message: z.string().max(2000).default(""),
      type: z.string().optional(),
      code: z.number().int(),
      error_subcode: z.number().int().optional(),
    })
    .loose(),
});

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);
// 131047: the customer has not written for 24 hours (a template is needed); 131031: account
// locked; 10 and 200-299: permissions; 3: capability.
const FORBIDDEN_CODES = new Set([3, 10, 131031, 131047]);
const UNAVAILABLE_CODES = new Set([1, 2, 131000, 131016]);

function codeFor(status: number, code: number): ChannelErrorCode {
  if (status === 401 || code === 190) return "unauthorized";
  if (RATE_LIMIT_CODES.has(code) || status === 429) return "rate_limited";
  if (FORBIDDEN_CODES.has(code) || (code >= 200 && code <= 299)) return "forbidden";
  if (UNAVAILABLE_CODES.has(code) || status >= 500) return "unavailable";
  if (status === 404) return "not_found";
  return "invalid_request";
}

export function isGraphId(id: string): boolean {
  return GRAPH_ID.test(id);
}

export function graphUrl(number: WhatsAppNumber, path: string): string {
  return `${number.graphUrl.replace(/\/+$/, "")}/${GRAPH_API_VERSION}/${path}`;
}

/** A Graph API call; `path` starts with a Graph id the caller has checked with isGraphId. */
export async function callGraph<S extends z.ZodType>(
  number: WhatsAppNumber,
  method: "GET" | "POST",
  path: string,
  body: Record<string, unknown> | FormData | null,
  schema: S,
): Promise<z.infer<S>> {
  const id = path.split(/[/?]/)[0] ?? "";
  if (!isGraphId(id)) {
    throw new ChannelError({
      provider: "whatsapp",
      code: "invalid_request",
      providerCode: "malformed_id",
      message: "a WhatsApp phone number or media id is digits only",
    });
  }
  const headers: Record<string, string> = { authorization: `Bearer ${number.accessToken}` };
  if (body !== null && !(body instanceof FormData)) headers["content-type"] = "application/json";
  const res = await providerFetch("whatsapp", graphUrl(number, path), {
    method,
    headers,
    body: body === null ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const json = parseJsonBytes(res.bytes);
  if (res.status < 200 || res.status > 299) {
    const failure = ErrorEnvelope.safeParse(json);
    const code = failure.success ? failure.data.error.code : 0;
    throw new ChannelError({
      provider: "whatsapp",
      code: codeFor(res.status, code),
      providerCode: failure.success ? String(code) : String(res.status),
      message: failure.success
        ? `WhatsApp: ${failure.data.error.message.slice(0, 300)}`
        : `WhatsApp answered HTTP ${res.status} without a Graph error`,
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new ChannelError({
      provider: "whatsapp",
      code: "unavailable",
      providerCode: "unexpected_result",
      message: "WhatsApp answered with a result of an unexpected shape",
    });
  }
  return result.data;
}
