import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Employees a node may take when its token is made without --slots (infra/scripts/node-token.ts),
// and what nodes made before tokens carried slots were given: what a 64 GiB node fits.
export const DEFAULT_NODE_SLOTS = 28;

// A Hetzner server running the node agent. The agent proves itself with a bearer token of which
// only the SHA-256 is kept. Status and capacity mirror what its NodeDO last heard, so scheduling
// can pick candidates with one query; the NodeDO itself has the final word on a reservation.
// maxSlots is fixed with the token: capacitySlots is what the agent reports, capped at it, so a
// stolen token cannot claim room it was never given.
export const nodes = sqliteTable("nodes", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
  // lost: silent past NODE_LOST_TIMEOUT_MS; its employees were placed elsewhere (issue 16).
  status: text("status", { enum: ["online", "offline", "lost"] })
    .notNull()
    .default("offline"),
  lastSeenAt: integer("last_seen_at"),
  agentVersion: text("agent_version"),
  // What isolates the node's employees, as its agent last said: runsc (gVisor), runc, process.
  runtime: text("runtime"),
  maxSlots: integer("max_slots").notNull().default(DEFAULT_NODE_SLOTS),
  capacitySlots: integer("capacity_slots").notNull().default(0),
  usedSlots: integer("used_slots").notNull().default(0),
  // Set by `npm run node:drain`: the node takes no new placements and its employees are moved off
  // one at a time; cleared by node:undrain.
  drainingAt: integer("draining_at"),
});

export type NodeRow = typeof nodes.$inferSelect;
