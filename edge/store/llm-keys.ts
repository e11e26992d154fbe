import { and, eq, isNull, ne } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { llmKeys } from "../../db/schema.ts";

// D1 holds every gateway key's hash: the record the gateway looks keys up in. Telling the
// account's BudgetDO about revocations is the caller's part (edge/objects/llm-keys.ts).

/** Stores a new key's hash and revokes the employee's other keys; returns the revoked hashes. */
export async function insertKeyRetiringOthers(
  d1: D1Database,
  key: { keyHash: string; employeeId: string; accountId: string },
  now: number,
): Promise<string[]> {
  const db = openDb(d1);
  const [, retired] = await db.batch([
    db.insert(llmKeys).values({ ...key, createdAt: now }),
    db
      .update(llmKeys)
      .set({ revokedAt: now })
      .where(
        and(
          eq(llmKeys.employeeId, key.employeeId),
          ne(llmKeys.keyHash, key.keyHash),
          isNull(llmKeys.revokedAt),
        ),
      )
      .returning({ keyHash: llmKeys.keyHash }),
  ]);
  return retired.map((k) => k.keyHash);
}

/** Revokes every live key of an employee; returns what was revoked, with its account. */
export async function revokeEmployeeKeys(
  d1: D1Database,
  employeeId: string,
  now: number,
): Promise<{ keyHash: string; accountId: string }[]> {
  return openDb(d1)
    .update(llmKeys)
    .set({ revokedAt: now })
    .where(and(eq(llmKeys.employeeId, employeeId), isNull(llmKeys.revokedAt)))
    .returning({ keyHash: llmKeys.keyHash, accountId: llmKeys.accountId });
}
