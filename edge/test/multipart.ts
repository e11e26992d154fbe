import { exports } from "cloudflare:workers";
import { ORIGIN } from "./helpers.ts";

// Multipart bodies written byte by byte, for what a browser's FormData would not send: a file
// name with raw control bytes, bytes that are not UTF-8, or more data than the request declares.
export const BOUNDARY = "iw-test-boundary-7f3a";
const enc = new TextEncoder();

export function filePart(name: string | Uint8Array, body: Uint8Array | string): Uint8Array {
  const nameBytes = typeof name === "string" ? enc.encode(name) : name;
  return concat([
    enc.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="`),
    nameBytes,
    enc.encode('"\r\nContent-Type: application/octet-stream\r\n\r\n'),
    typeof body === "string" ? enc.encode(body) : body,
    enc.encode("\r\n"),
  ]);
}

export const closing = () => enc.encode(`--${BOUNDARY}--\r\n`);

export function multipart(parts: Uint8Array[]): Uint8Array {
  return concat([...parts, closing()]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** A body that yields `chunks` one after the other, counting what the server pulled. */
export function countedStream(chunks: Iterable<Uint8Array>): {
  stream: ReadableStream<Uint8Array>;
  pulled: () => number;
} {
  const it = chunks[Symbol.iterator]();
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = it.next();
        if (next.done) controller.close();
        else {
          pulled += next.value.byteLength;
          controller.enqueue(next.value);
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

export function postBody(
  path: string,
  cookie: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      body,
      headers: {
        cookie,
        "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
        "cf-connecting-ip": "2001:db8::88",
        ...headers,
      },
    }),
  );
}
