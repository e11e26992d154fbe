import { deviceName } from "../auth/device-name.ts";
import type { SessionView } from "../contract/team.ts";
import { notFound } from "../http/api-error.ts";
import { deleteOtherSessions, deleteSessionOf, listLiveSessions } from "../store/user-sessions.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

// Where a person is signed in, and ending those sessions. Sessions are the person's, not an
// account's: each verb acts only on the actor's own sessions (anyone else's id is a 404). Ending
// one is recorded in the account the person acts in, the one whose log they are seen in.

export async function listUserSessions(
  deps: Deps,
  actor: Actor,
  currentId: string,
): Promise<SessionView[]> {
  const rows = await listLiveSessions(deps.db, actor.userId, deps.now());
  return rows.map((s) => ({
    id: s.id,
    device: deviceName(s.userAgent),
    ip: s.ip,
    createdAt: new Date(s.createdAt).toISOString(),
    lastSeenAt: new Date(s.lastSeenAt).toISOString(),
    current: s.id === currentId,
  }));
}

/** Ends one of the actor's sessions; true when it was the one making this request. */
export async function endUserSession(
  deps: Deps,
  actor: Actor,
  input: { id: string; currentId: string },
): Promise<{ current: boolean }> {
  if (!(await deleteSessionOf(deps.db, actor.userId, input.id))) throw notFound("session");
  const current = input.id === input.currentId;
  await recordAudit(deps, actor, "session.end", { type: "session", id: input.id }, { current });
  return { current };
}

/** Ends every session of the actor's but the current one. */
export async function endOtherSessions(deps: Deps, actor: Actor, currentId: string) {
  const ended = await deleteOtherSessions(deps.db, actor.userId, currentId);
  if (ended > 0)
    await recordAudit(deps, actor, "session.end", { type: "session", id: null }, { others: ended });
}
