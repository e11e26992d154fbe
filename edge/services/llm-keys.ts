import { and, eq, isNull, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { llmKeys } from "../../db/schema.ts";
import { hashToken, randomToken } from "../auth/tokens.ts";

// A fresh key for an employee, replacing (revoking) any earlier one: issued with every provision
// command, which is the only place the key itself travels.
export async function mintLlmKey(
  db: Db,
  employeeId: string,
  userId: string,
  now: number,
): Promise<string> {
  const key = `iwk_${randomToken()}`;
  const keyHash = hashToken(key);
  await db.batch([
    db.insert(llmKeys).values({ keyHash, employeeId, userId, createdAt: now }),
    db
      .update(llmKeys)
      .set({ revokedAt: now })
      .where(
        and(
          eq(llmKeys.employeeId, employeeId),
          ne(llmKeys.keyHash, keyHash),
          isNull(llmKeys.revokedAt),
        ),
      ),
  ]);
  return key;
}

export async function revokeLlmKeys(db: Db, employeeId: string, now: number): Promise<void> {
  await db
    .update(llmKeys)
    .set({ revokedAt: now })
    .where(and(eq(llmKeys.employeeId, employeeId), isNull(llmKeys.revokedAt)));
}
