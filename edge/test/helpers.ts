import { env, exports } from "cloudflare:workers";
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

export async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; fields?: Record<string, string> }> {
  const body = (await res.json()) as {
    error: { code: string; message: string; fields?: Record<string, string> };
  };
  return body.error;
}

// "name=value" for a Set-Cookie header of the response, or undefined.
export function cookieFrom(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

export async function mailbox(
  email: string,
): Promise<{ to: string; subject: string; link: string; sentAt: string }[]> {
  const res = await api(`/api/dev/mailbox?email=${encodeURIComponent(email)}`);
  if (res.status !== 200) throw new Error(`mailbox answered ${res.status}`);
  return (
    (await res.json()) as {
      messages: { to: string; subject: string; link: string; sentAt: string }[];
    }
  ).messages;
}

export async function requestLink(email: string, ip?: string): Promise<string> {
  const res = await api("/api/auth/magic-link", { method: "POST", json: { email }, ip });
  if (res.status !== 202) throw new Error(`magic-link answered ${res.status}: ${await res.text()}`);
  const [latest] = await mailbox(email);
  if (!latest) throw new Error(`no mail for ${email}`);
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

export interface EmployeeJson {
  id: string;
  name: string;
  role: string;
  tone: string;
  skills: string[];
  status: string;
  statusReason: string | null;
  step: string | null;
  node: string | null;
}

export const hireBody = (over: Record<string, unknown> = {}) => ({
  name: "Ada",
  role: "executive-assistant",
  tone: "friendly",
  skills: ["email-drafting", "calendar"],
  ...over,
});

export async function hire(
  cookie: string,
  over: Record<string, unknown> = {},
): Promise<EmployeeJson> {
  const res = await api("/api/employees", { method: "POST", json: hireBody(over), cookie });
  if (res.status !== 201) throw new Error(`hire answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { employee: EmployeeJson }).employee;
}

export async function employee(cookie: string, id: string): Promise<EmployeeJson> {
  const res = await api(`/api/employees/${id}`, { cookie });
  if (res.status !== 200) throw new Error(`get employee answered ${res.status}`);
  return ((await res.json()) as { employee: EmployeeJson }).employee;
}

// Polls the API (the D1 mirror) until the employee matches, or fails with what it last saw.
export async function waitForEmployee(
  cookie: string,
  id: string,
  match: (e: EmployeeJson) => boolean,
  timeoutMs = 5000,
): Promise<EmployeeJson> {
  const deadline = Date.now() + timeoutMs;
  let last: EmployeeJson | undefined;
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
