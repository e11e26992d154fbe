import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { decidePairing, listPairingRequests } from "../services/pairing.ts";

// Strangers who wrote to the account's employees (issue 17): the list and a decision, admins only.
const MOUNT = "/api/pairing-requests";
export const pairingRoutes = new Hono<AppEnv>();
pairingRoutes.use("*", requireMember());

const Uuid = z.uuid();

endpoint(pairingRoutes, MOUNT, "GET /api/pairing-requests", async (c) => ({
  requests: await listPairingRequests(c.var.deps, currentActor(c)),
}));

endpoint(pairingRoutes, MOUNT, "POST /api/pairing-requests/:id", async (c, input) => {
  const parsed = Uuid.safeParse(c.req.param("id"));
  if (!parsed.success) throw new ApiError(404, "not_found", "That pairing request does not exist.");
  const decision = await input.body();
  return { request: await decidePairing(c.var.deps, currentActor(c), parsed.data, decision) };
});
