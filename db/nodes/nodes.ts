import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// A Hetzner server running the node agent. The agent proves itself with a bearer token of which
// only the SHA-256 is kept. Status and capacity mirror what its NodeDO last heard, so scheduling
// can pick candidates with one query; the NodeDO itself has the final word on a reservation.
export const nodes = sqliteTable("nodes", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
  status: text("status", { enum: ["online", "offline"] })
    .notNull()
    .default("offline"),
  lastSeenAt: integer("last_seen_at"),
  agentVersion: text("agent_version"),
  // What isolates the node's employees, as its agent last said: runsc (gVisor), runc, process.
  runtime: text("runtime"),
  capacitySlots: integer("capacity_slots").notNull().default(0),
  usedSlots: integer("used_slots").notNull().default(0),
});

export type NodeRow = typeof nodes.$inferSelect;
