import { encodeHexLowerCase } from "@oslojs/encoding";
import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import { ATTACHMENT_DOWNLOAD_TIMEOUT_MS, providerFetch } from "../channel-http.ts";
import { MAX_ATTACHMENT_BYTES } from "../channel-message.ts";
import { callGraph, type WhatsAppNumber } from "./whatsapp-api.ts";

const MediaUrl = z
  .object({
    url: z.url(),
    mime_type: z.string(),
    sha256: z.string().optional(),
    file_size: z.number().int().nonnegative().optional(),
    id: z.string(),
  })
  .loose();

/**
 * A media reference's bytes: GET /{media-id} gives a short-lived URL, downloaded with the same
 * bearer token (Meta requires it) at the edge; the SHA-256 Meta states is checked.
 */
export async function fetchWhatsAppMedia(
  number: WhatsAppNumber,
  mediaId: string,
  maxBytes = MAX_ATTACHMENT_BYTES,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const media = await callGraph(number, "GET", mediaId, null, MediaUrl);
  if (media.file_size !== undefined && media.file_size > maxBytes) throw tooLarge(maxBytes);
  if (!/^https?:$/.test(new URL(media.url).protocol)) throw broken("media URL is not HTTP");
  const res = await providerFetch(
    "whatsapp",
    media.url,
    { method: "GET", headers: { authorization: `Bearer ${number.accessToken}` } },
    { timeoutMs: ATTACHMENT_DOWNLOAD_TIMEOUT_MS, maxBytes },
  ).catch((err: unknown) => {
    throw err instanceof ChannelError && err.code === "too_large" ? tooLarge(maxBytes) : err;
  });
  if (res.status !== 200) {
    throw new ChannelError({
      provider: "whatsapp",
      code: res.status === 401 ? "unauthorized" : res.status === 404 ? "not_found" : "unavailable",
      providerCode: String(res.status),
      message: `WhatsApp answered the media download with HTTP ${res.status}`,
    });
  }
  if (media.sha256) {
    const digest = encodeHexLowerCase(
      new Uint8Array(await crypto.subtle.digest("SHA-256", res.bytes)),
    );
    if (digest !== media.sha256.toLowerCase()) throw broken("media does not match its SHA-256");
  }
  return { bytes: res.bytes, contentType: media.mime_type };
}

const tooLarge = (maxBytes: number) =>
  new ChannelError({
    provider: "whatsapp",
    code: "too_large",
    providerCode: "media_too_large",
    message: `the media is larger than ${maxBytes} bytes`,
  });

const broken = (message: string) =>
  new ChannelError({
    provider: "whatsapp",
    code: "unavailable",
    providerCode: "bad_media",
    message,
  });
