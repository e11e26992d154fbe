import { and, eq, inArray } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { type KnowledgeFileRow, knowledgeFiles, TEAM_FOLDER } from "../../db/schema.ts";
import type { KnowledgeFile } from "../protocol/frames.ts";

/** What a knowledge.sync command lists for one employee: its own files and its team's. */
export async function knowledgeForEmployee(
  d1: D1Database,
  accountId: string,
  employeeId: string,
): Promise<{ own: KnowledgeFile[]; shared: KnowledgeFile[] }> {
  const rows = await openDb(d1)
    .select()
    .from(knowledgeFiles)
    .where(
      and(
        eq(knowledgeFiles.accountId, accountId),
        inArray(knowledgeFiles.folder, [employeeId, TEAM_FOLDER]),
      ),
    );
  const pick = (r: KnowledgeFileRow): KnowledgeFile => ({
    id: r.id,
    name: r.name,
    size: r.size,
    sha256: r.sha256,
  });
  return {
    own: rows.filter((r) => r.folder === employeeId).map(pick),
    shared: rows.filter((r) => r.folder === TEAM_FOLDER).map(pick),
  };
}

/** Removes an employee's own files (when it is fired): objects, then rows. */
export async function deleteEmployeeKnowledge(
  d1: D1Database,
  r2: R2Bucket,
  employeeId: string,
): Promise<void> {
  const db = openDb(d1);
  const rows = await db
    .select({ r2Key: knowledgeFiles.r2Key })
    .from(knowledgeFiles)
    .where(eq(knowledgeFiles.folder, employeeId));
  if (rows.length === 0) return;
  await r2.delete(rows.map((r) => r.r2Key));
  await db.delete(knowledgeFiles).where(eq(knowledgeFiles.folder, employeeId));
}
