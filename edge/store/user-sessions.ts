import { and, desc, eq, gt, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { sessions } from "../../db/schema.ts";

// A person's signed-in sessions as the sessions page sees them (by public id, never by token).
// Plain functions over D1; signing in and reading the cookie's session are auth/sessions.ts'.

export interface SessionListing {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/** The person's unexpired sessions, most recently seen first. */
export async function listLiveSessions(
  db: Db,
  userId: string,
  now: number,
): Promise<SessionListing[]> {
  return db
    .select({
      id: sessions.id,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .all();
}

/** Deletes one of the person's sessions; false when they have none by that id. */
export async function deleteSessionOf(db: Db, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, id)))
    .returning({ id: sessions.id });
  return deleted.length > 0;
}

/** Deletes every session of the person but `keepId`; how many ended. */
export async function deleteOtherSessions(db: Db, userId: string, keepId: string): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepId)))
    .returning({ id: sessions.id });
  return deleted.length;
}

/** Makes the session act in `accountId` (the caller has checked the membership). */
export async function setActiveAccount(
  db: Db,
  sessionId: string,
  accountId: string,
): Promise<void> {
  await db.update(sessions).set({ activeAccountId: accountId }).where(eq(sessions.id, sessionId));
}
