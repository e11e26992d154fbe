import type { AuditAction } from "../contract/audit.ts";
import { insertAuditEvent } from "../store/audit.ts";
import type { Actor } from "./actor.ts";
import type { Deps } from "./deps.ts";

// Every change to an account is recorded here: who (an Actor, or null when the system acted:
// billing webhooks, the cron), when, from which IP and user agent, and what. Call it after the
// change succeeded. `detail` is a small JSON object and never holds a secret (no tokens, keys or
// file contents). A failure to record is logged, never thrown: the change has happened.
export async function recordAudit(
  deps: Deps,
  who: Actor | { system: true; accountId: string },
  action: AuditAction,
  target?: { type: string; id?: string | null } | null,
  detail?: Record<string, unknown> | null,
): Promise<void> {
  const actor = "system" in who ? null : who;
  try {
    await insertAuditEvent(deps.db, {
      accountId: who.accountId,
      at: deps.now(),
      actorUserId: actor?.userId ?? null,
      actorEmail: actor?.email ?? null,
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      detail: detail ?? null,
      ip: actor?.ip ?? null,
      userAgent: actor?.userAgent ?? null,
    });
  } catch (err) {
    deps.log.error("audit event not recorded", { err, action, accountId: who.accountId });
  }
}
