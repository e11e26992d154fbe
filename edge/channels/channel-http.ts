import { ChannelError } from "./channel-error.ts";
import type { ChannelKind } from "./channel-message.ts";

/** Time for a provider's API to answer a call, body included. */
export const CHANNEL_API_TIMEOUT_MS = 10_000;
/** Time to download one attachment from a provider. */
export const ATTACHMENT_DOWNLOAD_TIMEOUT_MS = 30_000;
/** Largest API answer read from a provider (their JSON answers are a few KB). */
export const MAX_API_RESPONSE_BYTES = 1024 * 1024;

/**
 * Reads a stream up to maxBytes. Past it, stops reading, cancels the stream and answers null:
 * the count is of bytes that arrive, so a lying Content-Length or a chunked body changes nothing.
 */
export async function readBoundedBytes(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A webhook's raw body (signatures are over these exact bytes), or null when it is larger than
 * maxBytes. An honest oversized Content-Length is refused before anything is read.
 */
export async function readWebhookBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => {});
    return null;
  }
  return readBoundedBytes(request.body, maxBytes);
}

/** JSON from bytes, or undefined when they are not UTF-8 JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return undefined;
  }
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/**
 * One call to a provider with a deadline and a bounded answer. Network failures, timeouts and
 * oversized answers become ChannelError("unavailable"/"too_large"); the URL is never put in the
 * error because Telegram's carries the bot token.
 */
export async function providerFetch(
  provider: ChannelKind,
  url: string,
  init: RequestInit,
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<ProviderResponse> {
  const timeoutMs = opts.timeoutMs ?? CHANNEL_API_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_API_RESPONSE_BYTES;
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let bytes: Uint8Array | null;
  try {
    res = await fetch(url, { ...init, signal, redirect: "manual" });
    bytes = await readBoundedBytes(res.body, maxBytes);
  } catch (err) {
    const timedOut = signal.aborted;
    throw new ChannelError({
      provider,
      code: "unavailable",
      providerCode: timedOut ? "timeout" : "network",
      message: timedOut
        ? `${provider} did not answer within ${timeoutMs} ms`
        : `${provider} could not be reached (${err instanceof Error ? err.name : "error"})`,
    });
  }
  if (bytes === null) {
    throw new ChannelError({
      provider,
      code: "too_large",
      providerCode: "response_too_large",
      message: `${provider} answered with more than ${maxBytes} bytes`,
    });
  }
  return { status: res.status, headers: res.headers, bytes };
}
