import { Hono } from "hono";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import {
  fetchChunks,
  getManifest,
  haveChunks,
  putManifest,
  receivePack,
} from "../services/agent-snapshots.ts";
import { nodeForToken } from "../services/node-tokens.ts";

// The agent's snapshot routes (edge/protocol/snapshot-wire.ts documents them), mounted under
// /agent/snapshots: node token first, then the service decides what this node may reach.
export const agentSnapshotRoutes = new Hono<AppEnv>();

async function callingNode(deps: AppEnv["Variables"]["deps"], authorization: string | undefined) {
  const nodeId = await nodeForToken(deps, authorization);
  if (!nodeId)
    throw new ApiError(401, "invalid_node_token", "The node token is missing, wrong or revoked.");
  return nodeId;
}

agentSnapshotRoutes.post("/:snapshotId/have", async (c) => {
  const nodeId = await callingNode(c.var.deps, c.req.header("authorization"));
  return c.json(await haveChunks(c.var.deps, nodeId, c.req.param("snapshotId"), c.req.raw));
});

agentSnapshotRoutes.post("/:snapshotId/packs", async (c) => {
  const nodeId = await callingNode(c.var.deps, c.req.header("authorization"));
  const { stored, bytes } = await receivePack(
    c.var.deps,
    nodeId,
    c.req.param("snapshotId"),
    c.req.raw,
  );
  return c.json({ stored, bytes });
});

agentSnapshotRoutes.put("/:snapshotId/manifest", async (c) => {
  const nodeId = await callingNode(c.var.deps, c.req.header("authorization"));
  const done = await putManifest(c.var.deps, nodeId, c.req.param("snapshotId"), c.req.raw);
  if (!done.ok)
    return c.json(
      { error: { code: done.code, message: done.message, missing: done.missing } },
      409,
    );
  return c.json({ manifestSha256: done.manifestSha256 });
});

agentSnapshotRoutes.get("/:snapshotId/manifest", async (c) => {
  const nodeId = await callingNode(c.var.deps, c.req.header("authorization"));
  return getManifest(c.var.deps, nodeId, c.req.param("snapshotId"));
});

agentSnapshotRoutes.post("/:snapshotId/chunks", async (c) => {
  const nodeId = await callingNode(c.var.deps, c.req.header("authorization"));
  return fetchChunks(c.var.deps, nodeId, c.req.param("snapshotId"), c.req.raw);
});
