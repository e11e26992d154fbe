import { Hono } from "hono";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { opsAccess, setDraining } from "../services/node-ops.ts";

// The operators' routes (/ops/...), for scripts and runbooks, not for the app: authorised by the
// bearer secret OPS_TOKEN, compared in constant time. Without the secret the whole prefix is
// indistinguishable from routes that do not exist.
export const opsRoutes = new Hono<AppEnv>();

opsRoutes.use("*", async (c, next) => {
  const access = await opsAccess(c.var.deps, c.req.header("authorization"));
  if (access === "off")
    throw new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}.`);
  if (access === "refused")
    throw new ApiError(
      401,
      "unauthorized",
      "This route needs the operators' bearer token.",
      undefined,
      {
        "www-authenticate": "Bearer",
      },
    );
  return next();
});

const NODE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
function nodeName(raw: string | undefined): string {
  if (!raw || !NODE_NAME.test(raw))
    throw new ApiError(404, "not_found", "That node does not exist.");
  return raw;
}

// Stop placing employees on the node and move its own off (a final snapshot each); watch with
// `npm run node:drain`, or GET the employees' status in D1.
opsRoutes.post("/nodes/:name/drain", async (c) =>
  c.json(await setDraining(c.var.deps, nodeName(c.req.param("name")), true), 202),
);

opsRoutes.post("/nodes/:name/undrain", async (c) =>
  c.json(await setDraining(c.var.deps, nodeName(c.req.param("name")), false)),
);
