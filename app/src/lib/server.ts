import { query, redirect } from "@solidjs/router";
import { getRequestEvent } from "solid-js/web";
import { ApiFailure, type ClientRequest, createApiClient } from "../../../edge/contract/client.ts";
import type {
  Catalogue,
  Employee,
  ListedEmployee,
  Me,
  SignInLink,
} from "../../../edge/contract/index.ts";
import type { AccountView, InvitationPreview } from "../../../edge/contract/team.ts";

// Server-side reads from the edge API, with the visitor's own cookie, through the contract's
// typed client. In development and tests EDGE_INTERNAL_URL points at the local edge; in
// production the app and the edge share the zone, so the request's own origin reaches the edge
// through its /api route.
async function edgeFetch(path: string, init: ClientRequest): Promise<Response> {
  "use server";
  const request = getRequestEvent()?.request;
  const base = process.env.EDGE_INTERNAL_URL ?? (request ? new URL(request.url).origin : "");
  return fetch(`${base}${path}`, {
    ...init,
    headers: {
      ...init.headers,
      cookie: request?.headers.get("cookie") ?? "",
      accept: "application/json",
    },
  });
}

const edge = () => createApiClient({ fetch: edgeFetch });

const status = (err: unknown) => (err instanceof ApiFailure ? err.status : 0);

export const getCatalogue = query(async (): Promise<Catalogue> => {
  "use server";
  return edge()("GET /api/catalogue");
}, "catalogue");

export const getMe = query(async (): Promise<Me | null> => {
  "use server";
  try {
    return await edge()("GET /api/me");
  } catch (err) {
    if (status(err) === 401) return null;
    throw err;
  }
}, "me");

// For pages that need a person: signed out, the server answers with a redirect to sign-in.
export const requireMe = query(async (): Promise<Me> => {
  "use server";
  try {
    return await edge()("GET /api/me");
  } catch (err) {
    if (status(err) === 401) throw redirect("/sign-in");
    throw err;
  }
}, "requireMe");

export const getEmployees = query(async (): Promise<ListedEmployee[]> => {
  "use server";
  try {
    return (await edge()("GET /api/employees")).employees;
  } catch (err) {
    if (status(err) === 401) throw redirect("/sign-in");
    throw err;
  }
}, "employees");

export const getEmployee = query(async (id: string): Promise<Employee | null> => {
  "use server";
  try {
    return (await edge()("GET /api/employees/:id", { params: { id } })).employee;
  } catch (err) {
    if (status(err) === 401) throw redirect("/sign-in");
    if (status(err) === 404) return null;
    throw err;
  }
}, "employee");

const LINK_ERRORS = new Set(["link_invalid", "link_used", "link_expired"]);

// The sign-in confirmation page: whose account an emailed link opens. Only reads (the edge never
// spends a link on a GET); a link that cannot be used sends the visitor to the sign-in page with
// the reason, as the edge's own redirects do.
export const getSignInLink = query(async (token: string): Promise<SignInLink> => {
  "use server";
  try {
    return await edge()("GET /api/auth/magic-link", { query: { token } });
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    throw redirect(`/sign-in?error=${LINK_ERRORS.has(code) ? code : "link_invalid"}`);
  }
}, "signInLink");

// The header's account switcher: the accounts I belong to, or null signed out. Pages render
// without it when the edge cannot say (the header must never take a page down), and a visitor
// without a session cookie costs the edge nothing.
export const getAccounts = query(async (): Promise<AccountView[] | null> => {
  "use server";
  const cookie = getRequestEvent()?.request.headers.get("cookie") ?? "";
  if (!/(?:^|;\s*)(?:__Host-)?iw_session=/.test(cookie)) return null;
  try {
    return (await edge()("GET /api/accounts")).accounts;
  } catch {
    return null;
  }
}, "accounts");

export type InvitationLookUp =
  | { ok: true; preview: InvitationPreview }
  | { ok: false; reason: "link_invalid" | "link_used" | "link_expired" };

// The invitation page: what a link offers, without spending it. A link that cannot be used is a
// state of the page (invalid, used, expired), not an error.
export const getInvitation = query(async (token: string): Promise<InvitationLookUp> => {
  "use server";
  if (!token) return { ok: false, reason: "link_invalid" };
  try {
    return { ok: true, preview: await edge()("GET /api/invitation", { query: { token } }) };
  } catch (err) {
    const code = err instanceof ApiFailure ? err.code : "";
    if (code === "link_used" || code === "link_expired") return { ok: false, reason: code };
    if (code === "link_invalid" || status(err) === 404)
      return { ok: false, reason: "link_invalid" };
    throw err;
  }
}, "invitation");
