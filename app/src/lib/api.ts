import { createSignal } from "solid-js";
import { isServer } from "solid-js/web";
import { ApiFailure, type ClientFetch, createApiClient } from "../../../edge/contract/client.ts";

// Browser-side calls to the edge API on the same origin, typed by the contract's endpoint table
// (edge/contract/endpoints.ts): api("PATCH /api/employees/:id", {params, body}). Failures throw
// ApiFailure with the API's error code.

// Every tab of a session acts in the session's one active account, so each call names the
// account this page shows (X-Account-Id, docs/api.md) and the edge refuses it with 409
// account_changed when another tab has switched since. The layout sets it from the header's
// active account, which the page was rendered with; a switch reloads the page, so it is set once
// per page load in practice. Never on the server: there one module serves every visitor.
let shownAccount: string | undefined;
export function showAccount(id: string | undefined): void {
  if (!isServer) shownAccount = id;
}

const [accountChanged, setAccountChanged] = createSignal(false);

/** True once the edge has said this page shows another account than the one acted in. */
export { accountChanged };

export const ACCOUNT_HEADER = "x-account-id";

/** The header naming the shown account, for the few calls made without `api` (an upload's progress needs XMLHttpRequest). */
export const accountHeaders = (): Record<string, string> =>
  shownAccount ? { [ACCOUNT_HEADER]: shownAccount } : {};

/** The app's fetch: same-origin, naming the shown account, noticing account_changed. */
export const appFetch: ClientFetch = async (url, init) => {
  const headers = { ...init.headers, ...accountHeaders() };
  const res = await fetch(url, { ...init, headers, credentials: "same-origin" });
  if (res.status === 409) {
    const body: unknown = await res
      .clone()
      .json()
      .catch(() => null);
    if (isAccountChanged(body)) setAccountChanged(true);
  }
  return res;
};

function isAccountChanged(body: unknown): boolean {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = body.error;
  return typeof error === "object" && error !== null && "code" in error
    ? error.code === "account_changed"
    : false;
}

export const api = createApiClient({ fetch: appFetch });

export { ApiFailure };
