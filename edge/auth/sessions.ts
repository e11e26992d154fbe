import { and, eq, gt, lt } from "drizzle-orm";
import { sessions, users } from "../../db/schema.ts";
import type { Deps } from "../services/deps.ts";
import { hashToken, randomToken } from "./tokens.ts";

const DAY = 24 * 60 * 60 * 1000;
export const SESSION_TTL_MS = 30 * DAY;
// A session used after this much of its life has passed is extended to a full TTL again, so an
// active customer is never signed out mid-week, while D1 is written at most about twice a month.
export const SESSION_RENEW_AFTER_MS = 15 * DAY;

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
}

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

export async function createSession(
  deps: Deps,
  userId: string,
  userAgent?: string,
): Promise<IssuedSession> {
  const token = randomToken();
  const now = deps.now();
  const expiresAt = now + SESSION_TTL_MS;
  await deps.db.insert(sessions).values({
    tokenHash: hashToken(token),
    userId,
    createdAt: now,
    expiresAt,
    userAgent: userAgent?.slice(0, 300) ?? null,
  });
  return { token, expiresAt };
}

export interface ReadSession {
  user: SessionUser;
  /** Set when the session was just extended: the cookie must be sent again with this expiry. */
  renewedUntil?: number;
}

export async function readSession(deps: Deps, token: string): Promise<ReadSession | null> {
  const now = deps.now();
  const tokenHash = hashToken(token);
  const row = await deps.db
    .select({ id: users.id, email: users.email, name: users.name, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .get();
  if (!row) return null;
  const user = { id: row.id, email: row.email, name: row.name };
  if (row.expiresAt - now > SESSION_TTL_MS - SESSION_RENEW_AFTER_MS) return { user };
  const renewedUntil = now + SESSION_TTL_MS;
  await deps.db
    .update(sessions)
    .set({ expiresAt: renewedUntil })
    .where(eq(sessions.tokenHash, tokenHash));
  return { user, renewedUntil };
}

export async function revokeSession(deps: Deps, token: string): Promise<void> {
  await deps.db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

export async function deleteExpiredSessions(deps: Deps): Promise<void> {
  await deps.db.delete(sessions).where(lt(sessions.expiresAt, deps.now()));
}
