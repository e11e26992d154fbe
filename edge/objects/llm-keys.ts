import { hashToken, randomToken } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { insertKeyRetiringOthers, revokeEmployeeKeys } from "../store/llm-keys.ts";
import { budgetStub } from "./stubs.ts";

// Where keys live: D1 has every key's hash (the record the gateway looks keys up in), the
// account's BudgetDO the recently revoked ones (what makes revocation immediate for Workers that
// cached a lookup).
export type KeyStores = Pick<Env, "DB" | "BUDGET_DO">;

// A fresh key for an employee, replacing (revoking) any earlier one: issued with every provision
// command, which is the only place the key itself travels.
export async function mintLlmKey(
  env: KeyStores,
  employeeId: string,
  accountId: string,
  now: number,
): Promise<string> {
  const key = `iwk_${randomToken()}`;
  const retired = await insertKeyRetiringOthers(
    env.DB,
    { keyHash: hashToken(key), employeeId, accountId },
    now,
  );
  await announceRevoked(env, accountId, retired, now);
  return key;
}

export async function revokeLlmKeys(
  env: KeyStores,
  employeeId: string,
  now: number,
): Promise<void> {
  const revoked = await revokeEmployeeKeys(env.DB, employeeId, now);
  const accountId = revoked[0]?.accountId;
  if (accountId)
    await announceRevoked(
      env,
      accountId,
      revoked.map((k) => k.keyHash),
      now,
    );
}

async function announceRevoked(
  env: KeyStores,
  accountId: string,
  keyHashes: string[],
  now: number,
) {
  if (keyHashes.length === 0) return;
  await budgetStub(env, accountId).revokeKeys(keyHashes, now);
}
