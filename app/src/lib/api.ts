// Browser-side calls to the edge API on the same origin. Errors carry the API's error shape.
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, fields?: Record<string, string>) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; form?: FormData } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.json !== undefined ? { "content-type": "application/json" } : {},
      // A FormData body sets its own multipart content type and boundary.
      body: init.form ?? (init.json !== undefined ? JSON.stringify(init.json) : undefined),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiFailure(0, "network", "The connection failed. Check your network and try again.");
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as
    | (T & { error?: { code: string; message: string; fields?: Record<string, string> } })
    | null;
  if (!res.ok) {
    const e = body?.error;
    throw new ApiFailure(
      res.status,
      e?.code ?? "http_error",
      e?.message ?? `The server answered ${res.status}.`,
      e?.fields,
    );
  }
  return body as T;
}
