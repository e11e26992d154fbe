import { Hono } from "hono";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { deferOf } from "../http/defer.ts";
import { nodeStub } from "../objects/stubs.ts";
import { attachmentForNode } from "../services/chat-attachments.ts";
import { receiveWorkspace } from "../services/export-workspaces.ts";
import { fileForNode } from "../services/knowledge.ts";
import { nodeForToken } from "../services/node-tokens.ts";

export const agentRoutes = new Hono<AppEnv>();

// The node agent dials out to here. The token is checked before any upgrade, so a wrong or
// revoked token gets a plain 401 and never a socket.
agentRoutes.get("/connect", async (c) => {
  const nodeId = await nodeForToken(c.var.deps, c.req.header("authorization"));
  if (!nodeId) {
    c.var.log.warn("agent connection refused", { reason: "invalid node token" });
    throw new ApiError(401, "invalid_node_token", "The node token is missing, wrong or revoked.");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "Connect to this URL with a WebSocket.");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-node-id", nodeId);
  headers.delete("authorization");
  return nodeStub(c.env, nodeId).fetch(new Request(c.req.raw.url, { headers }));
});

// A file the agent was told to sync (knowledge.sync), for an employee placed on its node.
agentRoutes.get("/knowledge/:fileId", async (c) => {
  const nodeId = await nodeForToken(c.var.deps, c.req.header("authorization"));
  if (!nodeId)
    throw new ApiError(401, "invalid_node_token", "The node token is missing, wrong or revoked.");
  return fileForNode(c.var.deps, nodeId, c.req.param("fileId"));
});

// A file sent with a chat message (chat.send's attachments), for an employee placed on its node.
agentRoutes.get("/chat-attachments/:id", async (c) => {
  const nodeId = await nodeForToken(c.var.deps, c.req.header("authorization"));
  if (!nodeId)
    throw new ApiError(401, "invalid_node_token", "The node token is missing, wrong or revoked.");
  return attachmentForNode(c.var.deps, nodeId, c.req.param("id"));
});

// An employee's workspace for an account export (workspace.export), from the node it is on.
agentRoutes.put("/exports/:exportId/:employeeId", async (c) => {
  const nodeId = await nodeForToken(c.var.deps, c.req.header("authorization"));
  if (!nodeId)
    throw new ApiError(401, "invalid_node_token", "The node token is missing, wrong or revoked.");
  await receiveWorkspace(
    c.var.deps,
    nodeId,
    c.req.param("exportId"),
    c.req.param("employeeId"),
    c.req.raw,
    deferOf(c),
  );
  return c.body(null, 204);
});
