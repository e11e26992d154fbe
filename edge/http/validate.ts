import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./api-error.ts";

// Bodies larger than this are refused before parsing: no JSON endpoint of the API needs more.
export const MAX_JSON_BODY_BYTES = 64 * 1024;

// A body is read as a stream through a byte counter, so the limit holds for what is actually
// sent (a Content-Length that lies, a chunked body, none at all): past maxBytes the stream fails,
// reading stops and the request is answered with tooLarge(). Content-Length only lets an honest
// oversized request be refused before any of it is read. `read` consumes the counted stream
// (e.g. as FormData) without another copy of the body.
export async function readBodyCapped<T>(
  request: Request,
  maxBytes: number,
  tooLarge: () => ApiError,
  read: (body: ReadableStream<Uint8Array> | null) => Promise<T>,
): Promise<T> {
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  let seen = 0;
  const counted = request.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await read(counted ?? null);
  } catch (err) {
    if (seen > maxBytes) throw tooLarge();
    throw err;
  }
}

function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "body";
    fields[key] ??= issue.message;
  }
  return fields;
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(
      400,
      "invalid_input",
      `Some ${what} values are not valid.`,
      fieldsOf(parsed.error),
    );
  }
  return parsed.data;
}

// JSON bodies are only accepted as application/json: besides being honest, it forces a CORS
// preflight on any cross-site attempt, a second line of defence behind the Origin check.
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Send the request body as application/json.");
  }
  const bytes = await readBodyCapped(
    c.req.raw,
    MAX_JSON_BODY_BYTES,
    () =>
      new ApiError(
        413,
        "body_too_large",
        `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`,
      ),
    (body) => new Response(body).arrayBuffer(),
  );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  return parseWith(schema, value, "request");
}

export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseWith(schema, c.req.query(), "query");
}
