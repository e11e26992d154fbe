import { type ApiClient, createApiClient } from "../../edge/contract/client.ts";

/** An answer in the API's wire shape, or a promise that never settles (to see loading states). */
export type Reply = { status: number; body?: unknown } | "pending";

export const fail = (status: number, code: string): Reply => ({
  status,
  body: { error: { code, message: `The edge said ${code}.` } },
});

// The app's typed client over a scripted edge: each "METHOD /path" answers what the test says,
// and anything unscripted is a 404 in the API's error shape, as the real edge answers an unknown
// route. `calls` records what was asked, with the query and JSON body; a scripted answer may
// look at both.
export function fakeApi(
  routes: Record<string, Reply | ((body: unknown, query: URLSearchParams) => Reply)>,
): {
  client: ApiClient;
  calls: { key: string; query: string; body: unknown }[];
} {
  const calls: { key: string; query: string; body: unknown }[] = [];
  const client = createApiClient({
    fetch: async (url, init) => {
      const u = new URL(url, "http://app.test");
      const key = `${init.method} ${u.pathname}`;
      const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
      calls.push({ key, query: u.search, body });
      const route = routes[key];
      const reply =
        typeof route === "function"
          ? route(body, u.searchParams)
          : (route ?? fail(404, "not_found"));
      if (reply === "pending") return new Promise<Response>(() => {});
      return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
        status: reply.status,
        headers: { "content-type": "application/json" },
      });
    },
  });
  return { client, calls };
}
