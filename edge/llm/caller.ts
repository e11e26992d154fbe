import { and, eq, isNull } from "drizzle-orm";
import { accounts, employees, llmKeys } from "../../db/schema.ts";
import { hashToken } from "../auth/tokens.ts";
import { planById } from "../billing/plans.ts";
import { ApiError } from "../http/api-error.ts";
import type { Deps } from "../services/deps.ts";
import { KeyCache } from "./key-cache.ts";
import { beginKeyLookup } from "./key-lookup-limit.ts";

export interface Caller {
  employeeId: string;
  accountId: string;
  keyHash: string;
  plan: ReturnType<typeof planById>;
  /** The employee's own monthly AI budget in cents (null: only the account's), as D1 had it at
   * the lookup; the account's BudgetDO holds the one set since, which wins (issue 18). */
  employeeBudgetCents: number | null;
}

export const invalidKey = () =>
  new ApiError(401, "invalid_api_key", "Incorrect or revoked API key.");

// An employee key from an Authorization header, or undefined when it is not one of ours.
const bearerKey = (authorization: string | undefined) =>
  /^Bearer (iwk_[A-Za-z0-9_-]{20,200})$/.exec(authorization ?? "")?.[1];

const callers = new KeyCache<Caller>();

export interface KeyCheck {
  authorization: string | undefined;
  /** The client's address as the edge sees it (http/client-ip.ts): failed lookups count per it. */
  ip: string;
  /**
   * Whether this isolate's recent lookup may answer (see key-cache.ts): chat completions may,
   * because the BudgetDO refuses revoked keys on the call that admits them; anything not followed
   * by that call looks in D1.
   */
  cached: boolean;
  waitUntil: (p: Promise<unknown>) => void;
}

// Who a key belongs to.
export async function authenticate(deps: Deps, check: KeyCheck): Promise<Caller> {
  const key = bearerKey(check.authorization);
  if (!key) throw invalidKey();
  const keyHash = hashToken(key);
  const now = deps.now();
  const hit = check.cached ? callers.get(keyHash, now) : undefined;
  if (hit) return hit;
  const lookup = await beginKeyLookup(deps.env, check.ip);
  const row = await deps.db
    .select({
      employeeId: llmKeys.employeeId,
      accountId: llmKeys.accountId,
      plan: accounts.plan,
      budgetCents: employees.budgetCents,
    })
    .from(llmKeys)
    .innerJoin(accounts, eq(accounts.id, llmKeys.accountId))
    .leftJoin(employees, eq(employees.id, llmKeys.employeeId))
    .where(and(eq(llmKeys.keyHash, keyHash), isNull(llmKeys.revokedAt)))
    .get();
  if (!row) {
    callers.delete(keyHash);
    throw invalidKey();
  }
  check.waitUntil(
    lookup
      .valid()
      .catch((err: unknown) => deps.log.warn("giving back a key lookup failed", { err })),
  );
  const caller = {
    employeeId: row.employeeId,
    accountId: row.accountId,
    keyHash,
    plan: planById(row.plan),
    employeeBudgetCents: row.budgetCents ?? null,
  };
  callers.set(keyHash, caller, now);
  return caller;
}
