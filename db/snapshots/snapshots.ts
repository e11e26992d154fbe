import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// The catalogue of snapshots (issue 16; edge/contract/backup.ts is the API's view). The chunks
// themselves are sealed in R2 under snapshots/<account>/<employee>/ and indexed by the employee's
// SnapshotStoreDO; a row here is one restore point. Rows outlive the employee until the grace
// after firing (retention deletes them with their packs).
export const SNAPSHOT_KINDS = ["scheduled", "manual", "pre_restore", "pre_op", "final"] as const;
export const SNAPSHOT_STATUSES = ["pending", "complete", "failed", "deleted"] as const;

export const snapshots = sqliteTable(
  "snapshots",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    // Not a foreign key: a fired employee's snapshots are kept for a grace.
    employeeId: text("employee_id").notNull(),
    nodeId: text("node_id"),
    generation: integer("generation").notNull().default(0),
    kind: text("kind", { enum: SNAPSHOT_KINDS }).notNull(),
    status: text("status", { enum: SNAPSHOT_STATUSES }).notNull().default("pending"),
    createdAt: integer("created_at").notNull(),
    completedAt: integer("completed_at"),
    logicalBytes: integer("logical_bytes").notNull().default(0),
    storedBytes: integer("stored_bytes").notNull().default(0),
    fileCount: integer("file_count").notNull().default(0),
    manifestSha256: text("manifest_sha256"),
    openclawVersion: text("openclaw_version"),
    image: text("image"),
    agentVersion: text("agent_version"),
    // When retention may delete it (null: decided by the plan's schedule).
    expiresAt: integer("expires_at"),
    error: text("error"),
  },
  (t) => [
    index("snapshots_employee_created").on(t.employeeId, t.createdAt),
    index("snapshots_status_created").on(t.status, t.createdAt),
  ],
);
export type SnapshotRow = typeof snapshots.$inferSelect;

// Each account's data key for its snapshots: 32 random bytes, AES-GCM-wrapped under the Worker
// secret SNAPSHOT_MASTER_KEY (keyId names which of its keyring). No node ever sees one; deleting
// the row makes the account's snapshots unreadable (crypto-shredding).
export const snapshotKeys = sqliteTable("snapshot_keys", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  keyId: text("key_id").notNull(),
  wrappedKey: text("wrapped_key").notNull(),
  createdAt: integer("created_at").notNull(),
});
