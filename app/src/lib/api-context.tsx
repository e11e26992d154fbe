import { createContext, type JSX, useContext } from "solid-js";
import type { ApiClient } from "../../../edge/contract/client.ts";
import { api } from "./api.ts";

// The client the team, account and audit panels call: the same-origin client in the app, a client
// over a scripted fetch in component tests (which have no edge to talk to).
const ApiContext = createContext<ApiClient>(api);

export function ApiProvider(props: { client: ApiClient; children: JSX.Element }) {
  return <ApiContext.Provider value={props.client}>{props.children}</ApiContext.Provider>;
}

export const useApi = (): ApiClient => useContext(ApiContext);
