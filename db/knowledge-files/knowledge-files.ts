import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { accounts } from "../accounts/accounts.ts";

// The knowledge base: files a customer gave one employee (folder = its id) or the whole team
// (folder = "team"). The bytes live in R2 under r2_key; this row is what lists, limits and syncs
// them. One name per folder: uploading a name again replaces that file.
export const knowledgeFiles = sqliteTable(
  "knowledge_files",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    // No foreign key: firing an employee deletes its files explicitly (R2 first, then rows).
    folder: text("folder").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    r2Key: text("r2_key").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("knowledge_files_folder_name").on(t.accountId, t.folder, t.name),
    index("knowledge_files_folder").on(t.folder),
  ],
);
export const TEAM_FOLDER = "team";
export type KnowledgeFileRow = typeof knowledgeFiles.$inferSelect;
