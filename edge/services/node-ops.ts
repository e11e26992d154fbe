import { and, eq, isNull, sql } from "drizzle-orm";
import { nodes } from "../../db/schema.ts";
import { constantTimeEqual } from "../channels/channel-crypto.ts";
import { notFound } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { nodeStub } from "../objects/stubs.ts";
import type { Deps } from "./deps.ts";

// What operators do to nodes over HTTP (issue 16): drain and undrain, as `npm run node:drain`
// does against D1, plus telling the node's object at once instead of at its next token check.

/** Whether a request's bearer token is the OPS_TOKEN: "off" while no OPS_TOKEN is set. */
export async function opsAccess(
  deps: Deps,
  authorization: string | undefined,
): Promise<"off" | "ok" | "refused"> {
  const secret = deps.config.OPS_TOKEN;
  if (!secret) return "off";
  const sent = /^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "";
  return (await constantTimeEqual(sent, secret)) ? "ok" : "refused";
}

export interface DrainState {
  node: string;
  draining: boolean;
  drainingAt: string | null;
}

/** Marks the node draining (keeping the first time) or clears it, and tells its object. */
export async function setDraining(
  deps: Deps,
  name: string,
  draining: boolean,
): Promise<DrainState> {
  const [row] = await deps.db
    .update(nodes)
    .set({ drainingAt: draining ? sql`coalesce(${nodes.drainingAt}, ${deps.now()})` : null })
    .where(and(eq(nodes.name, name), isNull(nodes.revokedAt)))
    .returning({ id: nodes.id, drainingAt: nodes.drainingAt });
  if (!row) throw notFound("node");
  deps.log.info(draining ? "node draining" : "node undrained", { nodeId: row.id, node: name });
  try {
    await nodeStub(deps.env, row.id).drainChanged();
  } catch (err) {
    // The column is the truth: the object reads it within TOKEN_CHECK_INTERVAL_MS by itself.
    deps.log.warn("the node's object did not take the drain change now", {
      nodeId: row.id,
      ...errorFields(err),
    });
  }
  return {
    node: name,
    draining: row.drainingAt !== null,
    drainingAt: row.drainingAt === null ? null : new Date(row.drainingAt).toISOString(),
  };
}
