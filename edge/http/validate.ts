import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./api-error.ts";

// Bodies larger than this are refused before parsing: no JSON endpoint of the API needs more.
export const MAX_JSON_BODY_BYTES = 64 * 1024;

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
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > MAX_JSON_BODY_BYTES) {
    throw new ApiError(
      413,
      "body_too_large",
      `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`,
    );
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
