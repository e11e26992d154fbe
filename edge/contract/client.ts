import type {
  EndpointKey,
  PathParams,
  RequestBody,
  RequestQuery,
  ResponseBody,
} from "./endpoints.ts";
import { type ClientErrorCode, ErrorBody, type ErrorCode, isErrorCode } from "./errors.ts";

// The generic client of the JSON API, typed by the endpoint table (endpoints.ts, imported as a
// type only: the table's schemas stay out of a browser bundle). The app, the tests and the
// benches call the edge through it; how a request travels (same-origin fetch, a cookie, the
// Worker's own entry point) is the caller's `fetch`.

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly fields: Record<string, string> | undefined;
  readonly upgradeUrl: string | undefined;
  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    more: { fields?: Record<string, string>; upgradeUrl?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = more.fields;
    this.upgradeUrl = more.upgradeUrl;
  }
}

export interface ClientRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | FormData;
}
export type ClientFetch = (url: string, init: ClientRequest) => Promise<Response>;

type Parts<K extends EndpointKey> = (keyof PathParams<K> extends never
  ? { params?: undefined }
  : { params: PathParams<K> }) &
  ([RequestBody<K>] extends [never] ? { body?: undefined } : { body: RequestBody<K> }) &
  ([RequestQuery<K>] extends [never]
    ? { query?: undefined }
    : // A query whose every parameter is optional may be left out.
      Partial<RequestQuery<K>> extends RequestQuery<K>
      ? { query?: RequestQuery<K> }
      : { query: RequestQuery<K> });

// The options argument may be left out only when the endpoint needs none of them.
type Args<K extends EndpointKey> =
  Partial<Parts<K>> extends Parts<K> ? [options?: Parts<K>] : [options: Parts<K>];

export type ApiClient = <K extends EndpointKey>(
  key: K,
  ...args: Args<K>
) => Promise<ResponseBody<K>>;

/** "/api/employees/:id" with {id} → "/api/employees/<id>", each parameter URI-encoded. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

export function createApiClient(opts: { baseUrl?: string; fetch: ClientFetch }): ApiClient {
  return async (key, ...args) => {
    const [method = "GET", path = "/"] = key.split(" ");
    const options = (args[0] ?? {}) as {
      params?: Record<string, string>;
      body?: unknown;
      query?: Record<string, string>;
    };
    let url = `${opts.baseUrl ?? ""}${fillPath(path, options.params)}`;
    if (options.query) url += `?${new URLSearchParams(options.query)}`;
    const init: ClientRequest = { method, headers: {} };
    if (options.body instanceof FormData) init.body = options.body;
    else if (options.body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await opts.fetch(url, init);
    } catch {
      throw new ApiFailure(
        0,
        "network",
        "The connection failed. Check your network and try again.",
      );
    }
    if (res.ok) {
      if (res.status === 204) return undefined as ResponseBody<typeof key>;
      return (await res.json()) as ResponseBody<typeof key>;
    }
    const parsed = ErrorBody.safeParse(await res.json().catch(() => null));
    if (!parsed.success)
      throw new ApiFailure(res.status, "http_error", `The server answered ${res.status}.`);
    const { code, message, fields, upgradeUrl } = parsed.data.error;
    throw new ApiFailure(res.status, isErrorCode(code) ? code : "http_error", message, {
      ...(fields ? { fields } : {}),
      ...(upgradeUrl ? { upgradeUrl } : {}),
    });
  };
}
