import { query, redirect } from "@solidjs/router";
import { getRequestEvent } from "solid-js/web";
import type { Catalogue, Employee, Me } from "./types.ts";

// Server-side reads from the edge API, with the visitor's own cookie. In development and tests
// EDGE_INTERNAL_URL points at the local edge; in production the app and the edge share the
// zone, so the request's own origin reaches the edge through its /api route.
async function edge(path: string): Promise<Response> {
  "use server";
  const event = getRequestEvent();
  const request = event?.request;
  const base = process.env.EDGE_INTERNAL_URL ?? (request ? new URL(request.url).origin : "");
  return fetch(`${base}${path}`, {
    headers: { cookie: request?.headers.get("cookie") ?? "", accept: "application/json" },
  });
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`edge answered ${res.status} for ${res.url}`);
  return (await res.json()) as T;
}

export const getCatalogue = query(async () => {
  "use server";
  return json<Catalogue>(await edge("/api/catalogue"));
}, "catalogue");

export const getMe = query(async (): Promise<Me | null> => {
  "use server";
  const res = await edge("/api/me");
  if (res.status === 401) return null;
  return json<Me>(res);
}, "me");

// For pages that need a person: signed out, the server answers with a redirect to sign-in.
export const requireMe = query(async (): Promise<Me> => {
  "use server";
  const res = await edge("/api/me");
  if (res.status === 401) throw redirect("/sign-in");
  return json<Me>(res);
}, "requireMe");

export const getEmployees = query(async (): Promise<Employee[]> => {
  "use server";
  const res = await edge("/api/employees");
  if (res.status === 401) throw redirect("/sign-in");
  return (await json<{ employees: Employee[] }>(res)).employees;
}, "employees");

export const getEmployee = query(async (id: string): Promise<Employee | null> => {
  "use server";
  const res = await edge(`/api/employees/${encodeURIComponent(id)}`);
  if (res.status === 401) throw redirect("/sign-in");
  if (res.status === 404) return null;
  return (await json<{ employee: Employee }>(res)).employee;
}, "employee");

const LINK_ERRORS = new Set(["link_invalid", "link_used", "link_expired"]);

// The sign-in confirmation page: whose account an emailed link opens. Only reads (the edge never
// spends a link on a GET); a link that cannot be used sends the visitor to the sign-in page with
// the reason, as the edge's own redirects do.
export const getSignInLink = query(
  async (token: string): Promise<{ email: string; expiresAt: string }> => {
    "use server";
    const res = await edge(`/api/auth/magic-link?token=${encodeURIComponent(token)}`);
    if (res.ok) return json<{ email: string; expiresAt: string }>(res);
    const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
    const code = body?.error?.code ?? "";
    throw redirect(`/sign-in?error=${LINK_ERRORS.has(code) ? code : "link_invalid"}`);
  },
  "signInLink",
);
