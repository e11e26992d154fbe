import { Hono } from "hono";
import { z } from "zod";
import { ApiError, notFound } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { decideApprovalFor, listApprovalsFor, openAccountFeed } from "../services/approvals.ts";

// The team's approvals inbox (issue 18): the list, and a decision.
const MOUNT = "/api/approvals";
export const approvalRoutes = new Hono<AppEnv>();
approvalRoutes.use("*", requireMember());

const Uuid = z.uuid();

endpoint(approvalRoutes, MOUNT, "GET /api/approvals", async (c, input) => ({
  approvals: await listApprovalsFor(c.var.deps, currentActor(c), input.query()),
}));

endpoint(approvalRoutes, MOUNT, "POST /api/approvals/:id", async (c, input) => {
  // A malformed id cannot name anything, so it is answered like any unknown approval.
  const parsed = Uuid.safeParse(c.req.param("id"));
  if (!parsed.success) throw notFound("approval");
  const decision = await input.body();
  return { approval: await decideApprovalFor(c.var.deps, currentActor(c), parsed.data, decision) };
});

// The account's live socket (GET /api/live): a WebSocket, admitted like an employee's live socket
// (a session of a member of the account), then held by the account's feed object.
export const accountLiveRoutes = new Hono<AppEnv>();
accountLiveRoutes.use("*", requireMember());
accountLiveRoutes.get("/", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError(426, "upgrade_required", "Connect to this URL with a WebSocket.");
  return openAccountFeed(c.var.deps, currentActor(c), c.req.raw);
});
