import { env, exports } from "cloudflare:workers";
import {
  type ApiClient,
  createApiClient,
  type DevMail,
  type Employee,
  ErrorBody,
  type HireRequest,
} from "../contract/index.ts";
import worker from "../index.ts";
import { employeeStub } from "../objects/stubs.ts";

export const ORIGIN = "http://localhost:8787";

export interface ApiInit extends Omit<RequestInit, "body"> {
  json?: unknown;
  body?: string;
  cookie?: string;
  /** CF-Connecting-IP; each call gets its own unless a test shares one on purpose. */
  ip?: string;
  /** Replaces bindings for this request, e.g. to run as production. */
  envOverride?: Partial<Cloudflare.Env>;
}

let ipCounter = 0;
// Documentation-range addresses: only ever a header value, never contacted.
export const uniqueIp = () => `2001:db8::${(++ipCounter).toString(16)}`;
export const uniqueEmail = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

function buildRequest(path: string, init: ApiInit): Request {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  if (init.cookie) headers.set("cookie", init.cookie);
  headers.set("cf-connecting-ip", init.ip ?? uniqueIp());
  return new Request(new URL(path, ORIGIN), { ...init, headers, body, redirect: "manual" });
}

// Through the Worker's real entry point; with envOverride the default export is called directly
// with altered bindings (same code, same D1 and Durable Objects).
export async function api(path: string, init: ApiInit = {}): Promise<Response> {
  const request = buildRequest(path, init);
  if (init.envOverride) {
    const ctx = {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext;
    return worker.fetch(request, { ...env, ...init.envOverride }, ctx);
  }
  return exports.default.fetch(request);
}

// The error shape every failure has (edge/contract/errors.ts); anything else fails the test.
export async function errorOf(res: Response): Promise<ErrorBody["error"]> {
  return ErrorBody.parse(await res.json()).error;
}

// The typed API client (edge/contract/client.ts) through the Worker's real entry point, as the
// person with this session cookie.
export function client(cookie?: string): ApiClient {
  return createApiClient({
    baseUrl: ORIGIN,
    fetch: (url, init) =>
      exports.default.fetch(
        new Request(url, {
          ...init,
          headers: {
            ...init.headers,
            ...(cookie ? { cookie } : {}),
            "cf-connecting-ip": uniqueIp(),
          },
        }),
      ),
  });
}

// "name=value" for a Set-Cookie header of the response, or undefined.
export function cookieFrom(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

export async function mailbox(email: string): Promise<DevMail[]> {
  return (await client()("GET /api/dev/mailbox", { query: { email } })).messages;
}

export async function requestLink(email: string, ip?: string): Promise<string> {
  const res = await api("/api/auth/magic-link", { method: "POST", json: { email }, ip });
  if (res.status !== 202) throw new Error(`magic-link answered ${res.status}: ${await res.text()}`);
  const [latest] = await mailbox(email);
  if (!latest?.link) throw new Error(`no mail with a link for ${email}`);
  return latest.link;
}

export const tokenOf = (link: string) => new URL(link).searchParams.get("token") ?? "";

// What the app's confirmation page does when its button is pressed: a plain form POST from the
// app's own origin.
export function confirmSignIn(token: string, init: ApiInit = {}): Promise<Response> {
  return api("/api/auth/magic-link/verify", {
    method: "POST",
    body: new URLSearchParams({ token }).toString(),
    ...init,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: ORIGIN,
      ...Object.fromEntries(new Headers(init.headers)),
    },
  });
}

// The whole magic-link sign-in, as a browser does it (open the emailed page, press the button);
// returns the session cookie.
export async function signIn(email: string): Promise<string> {
  const res = await confirmSignIn(tokenOf(await requestLink(email)));
  const cookie = cookieFrom(res, "iw_session");
  if (res.status !== 303 || !cookie)
    throw new Error(`sign-in failed: ${res.status} ${res.headers.get("location")}`);
  return cookie;
}

// The account this session acts in (GET /api/me): the tenant of everything the person makes.
export async function accountOf(cookie: string): Promise<string> {
  return (await client(cookie)("GET /api/me")).account.id;
}

export interface AuditRow {
  action: string;
  actorUserId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  detail: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
}

// What the audit log holds for the account, oldest first (optionally one action only).
export async function auditOf(accountId: string, action?: string): Promise<AuditRow[]> {
  const rows = await env.DB.prepare(
    `SELECT action, actor_user_id AS actorUserId, actor_email AS actorEmail, target_type AS targetType,
       target_id AS targetId, detail, ip, user_agent AS userAgent
     FROM audit_events WHERE account_id = ?1 AND (?2 IS NULL OR action = ?2) ORDER BY at, rowid`,
  )
    .bind(accountId, action ?? null)
    .all<Omit<AuditRow, "detail"> & { detail: string | null }>();
  return rows.results.map((r) => ({ ...r, detail: r.detail ? JSON.parse(r.detail) : null }));
}

export const hireBody = (over: Record<string, unknown> = {}): HireRequest => ({
  name: "Ada",
  role: "executive-assistant",
  tone: "friendly",
  skills: ["email-drafting", "calendar"],
  ...over,
});

export async function hire(cookie: string, over: Record<string, unknown> = {}): Promise<Employee> {
  return (await client(cookie)("POST /api/employees", { body: hireBody(over) })).employee;
}

export async function employee(cookie: string, id: string): Promise<Employee> {
  return (await client(cookie)("GET /api/employees/:id", { params: { id } })).employee;
}

// Polls the API (the D1 mirror) until the employee matches, or fails with what it last saw.
export async function waitForEmployee(
  cookie: string,
  id: string,
  match: (e: Employee) => boolean,
  timeoutMs = 5000,
): Promise<Employee> {
  const deadline = Date.now() + timeoutMs;
  let last: Employee | undefined;
  while (Date.now() < deadline) {
    last = await employee(cookie, id);
    if (match(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`employee never matched; last seen ${JSON.stringify(last)}`);
}

// Fires every employee left by a test, so none waits for a server that a later test connects.
export async function removeAllEmployees(): Promise<void> {
  const rows = await env.DB.prepare("SELECT id FROM employees").all<{ id: string }>();
  await Promise.all(rows.results.map((r) => employeeStub(env, r.id).remove()));
  await env.DB.prepare("DELETE FROM employees").run();
}
