import { eq } from "drizzle-orm";
import { type UserRow, users } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import { insertAccountWithOwner, type Membership, membershipsOf } from "../store/accounts.ts";
import type { Deps } from "./deps.ts";

const DAY = 24 * 60 * 60 * 1000;

export interface AccountUser {
  id: string;
  email: string;
  name: string | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// D1 has no interactive transactions, so "find or create" is an insert that yields to an
// existing row (the unique email decides), followed by a read: safe under concurrent sign-ins.
export async function findOrCreateUser(
  deps: Deps,
  input: { email: string; name?: string | null },
): Promise<{ user: UserRow; created: boolean }> {
  const email = normaliseEmail(input.email);
  const now = deps.now();
  const inserted = await deps.db
    .insert(users)
    .values({
      id: crypto.randomUUID(),
      email,
      name: input.name ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  const created = inserted[0];
  if (created) {
    await createPersonalAccount(deps, created);
    return { user: created, created: true };
  }
  const existing = await deps.db.select().from(users).where(eq(users.email, email)).get();
  if (!existing) throw new Error(`user ${email} vanished between insert and select`);
  return { user: existing, created: false };
}

/**
 * A new account owned by the person, on the trial: made at sign-up, and for a person who no
 * longer belongs to any account. Named after them; the owner can rename it. Its trial is the one
 * that started at sign-up (a person gets one trial, however many accounts they leave), and it is
 * made at most once however many requests arrive at once: a call that finds the person already
 * in an account (a concurrent call made it) answers that membership.
 */
export async function createPersonalAccount(
  deps: Deps,
  user: { id: string; email: string; name: string | null },
): Promise<{ membership: Membership; created: boolean }> {
  const now = deps.now();
  const account = await insertAccountWithOwner(deps.db, {
    id: crypto.randomUUID(),
    name: user.name?.trim() || user.email,
    ownerId: user.id,
    trialMs: planById("trial").trialDays * DAY,
    now,
  });
  if (!account) {
    const existing = (await membershipsOf(deps.db, user.id))[0];
    if (!existing) throw new Error(`user ${user.id} has no account and none was made`);
    return { membership: existing, created: false };
  }
  deps.log.info("account created", { userId: user.id, accountId: account.id });
  return { membership: { account, role: "owner", joinedAt: now }, created: true };
}
