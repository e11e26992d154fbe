import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ChannelError, type ChannelErrorCode } from "../channels/channel-error.ts";
import { type Config, parseConfig } from "../env.ts";

// Shared by the channels-*.test.ts files: the parsed config (provider URLs point at the
// stand-ins), calls to the stand-ins' test routes, and a typed-failure matcher.

export const config = (): Config => parseConfig(env);

export async function standIn<T = Record<string, unknown>>(
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${env.STAND_IN_URL}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`stand-in ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function channelFailure(
  promise: Promise<unknown>,
  code: ChannelErrorCode,
): Promise<ChannelError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  const failure = err as ChannelError;
  expect({ code: failure.code, message: failure.message }).toMatchObject({ code });
  return failure;
}

const encoder = new TextEncoder();
/** A random string of `n` characters from [A-Za-z0-9_-]. */
export function randomToken(n: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => alphabet[b % 64]).join("");
}

export const bytesOf = (text: string) => encoder.encode(text);
