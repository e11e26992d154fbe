import { ApiFailure, createApiClient } from "../../../edge/contract/client.ts";

// Browser-side calls to the edge API on the same origin, typed by the contract's endpoint table
// (edge/contract/endpoints.ts): api("PATCH /api/employees/:id", {params, body}). Failures throw
// ApiFailure with the API's error code.
export const api = createApiClient({
  fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }),
});

export { ApiFailure };
