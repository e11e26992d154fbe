import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import {
  type EndpointKey,
  type Endpoints,
  endpoints,
  type ParsedBody,
  type ParsedQuery,
} from "../contract/endpoints.ts";
import type { AppEnv } from "./app-env.ts";
import { jsonBody, queryParams } from "./validate.ts";

/** What a handler must answer: the response's shape, or nothing for an answer without a body. */
export type Reply<K extends EndpointKey> = Endpoints[K]["response"] extends z.core.$ZodType
  ? z.input<Endpoints[K]["response"]>
  : null;

export interface EndpointInput<K extends EndpointKey> {
  /** The JSON body, validated with the table's schema (400/413/415 otherwise). Read it where the
   * route wants input checked: checks before it (the path's id) answer first. */
  body(): Promise<ParsedBody<K>>;
  query(): ParsedQuery<K>;
}

// Registers one endpoint of the contract's table (edge/contract/endpoints.ts) on a resource's
// sub-app mounted at `mount`: the route's path, method and success status come from the table,
// its input is validated with the table's schemas, and the handler's answer is typed by them.
export function endpoint<K extends EndpointKey>(
  app: Hono<AppEnv>,
  mount: string,
  key: K,
  handler: (c: Context<AppEnv>, input: EndpointInput<K>) => Promise<Reply<K>> | Reply<K>,
): void {
  const [method = "GET", fullPath = "/"] = key.split(" ");
  if (!fullPath.startsWith(mount)) throw new Error(`${key} is not under ${mount}`);
  const path = fullPath.slice(mount.length) || "/";
  const spec: Endpoints[EndpointKey] = endpoints[key];
  app.on(method, path, async (c) => {
    const input: EndpointInput<K> = {
      body: async () => {
        if (!("body" in spec) || spec.body === "multipart")
          throw new Error(`${key} has no JSON body`);
        return (await jsonBody(c, spec.body)) as ParsedBody<K>;
      },
      query: () => {
        if (!("query" in spec)) throw new Error(`${key} has no query`);
        return queryParams(c, spec.query) as ParsedQuery<K>;
      },
    };
    const reply = await handler(c, input);
    if (spec.response === null) return c.body(null, spec.status);
    return c.json(reply, spec.status as ContentfulStatusCode);
  });
}
