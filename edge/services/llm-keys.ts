import { and, eq, isNull, ne } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { llmKeys } from "../../db/schema.ts";
import { hashToken, randomToken } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { budgetStub } from "../objects/stubs.ts";

// Where keys live: D1 has every key's hash (the record the gateway looks keys up in), the
// account's BudgetDO the recently revoked ones (what makes revocation immediate for Workers that
// cached a lookup).
export type KeyStores = Pick<Env, "DB" | "BUDGET_DO">;

// A fresh key for an employee, replacing (revoking) any earlier one: issued with every provision
// command, which is the only place the key itself travels.
export async function mintLlmKey(
  env: KeyStores,
  employeeId: string,
  userId: string,
  now: number,
): Promise<string> {
  const db = openDb(env.DB);
  const key = `iwk_${randomToken()}`;
  const keyHash = hashToken(key);
  const [, retired] = await db.batch([
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
      )
      .returning({ keyHash: llmKeys.keyHash }),
  ]);
  await announceRevoked(env, userId, retired, now);
  return key;
}

export async function revokeLlmKeys(
  env: KeyStores,
  employeeId: string,
  now: number,
): Promise<void> {
  const revoked = await openDb(env.DB)
    .update(llmKeys)
    .set({ revokedAt: now })
    .where(and(eq(llmKeys.employeeId, employeeId), isNull(llmKeys.revokedAt)))
    .returning({ keyHash: llmKeys.keyHash, userId: llmKeys.userId });
  const userId = revoked[0]?.userId;
  if (userId) await announceRevoked(env, userId, revoked, now);
}

async function announceRevoked(
  env: KeyStores,
  userId: string,
  keys: { keyHash: string }[],
  now: number,
) {
  if (keys.length === 0) return;
  await budgetStub(env, userId).revokeKeys(
    keys.map((k) => k.keyHash),
    now,
  );
}
