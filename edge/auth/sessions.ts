import { and, eq, gt, lt } from "drizzle-orm";
import { sessions, users } from "../../db/schema.ts";
import type { Deps } from "../services/deps.ts";
import { hashToken, randomToken } from "./tokens.ts";

const DAY = 24 * 60 * 60 * 1000;
export const SESSION_TTL_MS = 30 * DAY;
// A session used after this much of its life has passed is extended to a full TTL again, so an
// active customer is never signed out mid-week, while D1 is written at most about twice a month.
export const SESSION_RENEW_AFTER_MS = 15 * DAY;
// "Last seen" in the sessions list is this precise: D1 is written at most once per window.
export const SESSION_SEEN_EVERY_MS = 5 * 60 * 1000;

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
  client: { userAgent?: string | undefined; ip?: string | null | undefined } = {},
): Promise<IssuedSession> {
  const token = randomToken();
  const now = deps.now();
  const expiresAt = now + SESSION_TTL_MS;
  await deps.db.insert(sessions).values({
    tokenHash: hashToken(token),
    id: crypto.randomUUID(),
    userId,
    createdAt: now,
    expiresAt,
    lastSeenAt: now,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
    ip: client.ip?.slice(0, 64) ?? null,
  });
  return { token, expiresAt };
}

export interface ReadSession {
  /** The session's public id (GET /api/sessions), never its token or hash. */
  id: string;
  user: SessionUser;
  /** The account this session acts in; null: the person's first (services/actor.ts). */
  activeAccountId: string | null;
  /** Set when the session was just extended: the cookie must be sent again with this expiry. */
  renewedUntil?: number;
}

export async function readSession(
  deps: Deps,
  token: string,
  ip?: string | null,
): Promise<ReadSession | null> {
  const now = deps.now();
  const tokenHash = hashToken(token);
  const row = await deps.db
    .select({
      sessionId: sessions.id,
      activeAccountId: sessions.activeAccountId,
      lastSeenAt: sessions.lastSeenAt,
      id: users.id,
      email: users.email,
      name: users.name,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .get();
  if (!row) return null;
  const read: ReadSession = {
    id: row.sessionId,
    user: { id: row.id, email: row.email, name: row.name },
    activeAccountId: row.activeAccountId,
  };
  const renew = row.expiresAt - now <= SESSION_TTL_MS - SESSION_RENEW_AFTER_MS;
  if (!renew && now - row.lastSeenAt < SESSION_SEEN_EVERY_MS) return read;
  const renewedUntil = renew ? now + SESSION_TTL_MS : undefined;
  await deps.db
    .update(sessions)
    .set({
      lastSeenAt: now,
      ...(ip ? { ip: ip.slice(0, 64) } : {}),
      ...(renewedUntil ? { expiresAt: renewedUntil } : {}),
    })
    .where(eq(sessions.tokenHash, tokenHash));
  return renewedUntil ? { ...read, renewedUntil } : read;
}

export async function revokeSession(deps: Deps, token: string): Promise<void> {
  await deps.db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

export async function deleteExpiredSessions(deps: Deps): Promise<void> {
  await deps.db.delete(sessions).where(lt(sessions.expiresAt, deps.now()));
}
