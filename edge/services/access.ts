import { and, count, eq, gt } from "drizzle-orm";
import { accounts, chatViews } from "../../db/schema.ts";
import { TRIAL_CHAT_SESSIONS } from "../billing/plans.ts";
import { ApiError } from "../http/api-error.ts";
import { type AccessScope, importSigningKey, signAccessToken } from "../protocol/access-token.ts";
import { accessServiceUrl } from "../protocol/access-url.ts";
import { listAuditEvents } from "../store/audit.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";
import { employeeFor } from "./employees.ts";
import { ACCESS_PER_USER } from "./rate-limits.ts";

// Minutes, not hours: the app refreshes the URLs before they expire.
export const ACCESS_TOKEN_TTL_MS = 5 * 60_000;

let keyCache:
  | { source: string; key: Promise<Awaited<ReturnType<typeof importSigningKey>>> }
  | undefined;

/** Which view the person opens; the app says so, older clients do not ("both"). */
export type AccessService = "chat" | "browser" | "both";

// Any member may chat with the account's employees and watch their browser. Checked in order:
// the employee is the account's (404), the role (403), running (409, not counted), the person's
// rate limit, the trial's paywall.
export async function accessUrls(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  service: AccessService = "both",
) {
  const accountId = actor.accountId;
  const row = await employeeFor(deps, actor, employeeId, "employees.use");
  if (row.status !== "running") {
    throw new ApiError(
      409,
      "employee_not_running",
      "The chat and browser open once the employee is working.",
    );
  }
  await deps.limits.take(ACCESS_PER_USER, actor.userId);
  await countChatView(deps, accountId, employeeId);
  const secret = deps.config.ACCESS_SIGNING_KEY;
  if (!secret)
    throw new ApiError(
      503,
      "access_not_configured",
      "Chat and browser access is not configured on this server.",
    );
  if (keyCache?.source !== secret) keyCache = { source: secret, key: importSigningKey(secret) };
  const key = await keyCache.key;
  const expiresAt = deps.now() + ACCESS_TOKEN_TTL_MS;
  const url = async (scope: AccessScope) => {
    const token = await signAccessToken(key, {
      e: employeeId,
      u: accountId,
      s: scope,
      x: expiresAt,
    });
    const u = accessServiceUrl(deps.config.ACCESS_URL_TEMPLATE, employeeId, scope);
    u.searchParams.set("access", token);
    return u.href;
  };
  const urls = {
    chatUrl: await url("chat"),
    browserUrl: await url("browser"),
    expiresAt: new Date(expiresAt).toISOString(),
  };
  await auditOpening(deps, actor, employeeId, service);
  return urls;
}

// The app asks again every few minutes while a view stays open: only an opening is recorded, a
// request with no access of the same person to the same view of the employee in the last
// CHAT_VIEW_WINDOW_MS (the window the trial's openings are counted in).
async function auditOpening(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  service: AccessService,
): Promise<void> {
  const recent = await listAuditEvents(deps.db, {
    accountId: actor.accountId,
    action: "employee.access",
    actorEmail: actor.email,
    from: deps.now() - CHAT_VIEW_WINDOW_MS,
    limit: 200,
  });
  const opened = recent.some(
    (e) =>
      e.actorUserId === actor.userId && e.targetId === employeeId && e.detail?.service === service,
  );
  const employee = { type: "employee", id: employeeId };
  if (!opened) await recordAudit(deps, actor, "employee.access", employee, { service });
}

// The trial's paywall: the chat view may be opened TRIAL_CHAT_VIEWS times. An opening is a
// request for access to an employee with no opening in the last CHAT_VIEW_WINDOW_MS, so the
// app's own URL refreshes while the view stays open do not count. The count is rows in D1: the
// client cannot reset it, and the limit is checked in the inserting statement itself. Sending a
// message in the workspace chat (services/chat.ts) counts by the same rule: a chat session.
export const TRIAL_CHAT_VIEWS = TRIAL_CHAT_SESSIONS;
export const CHAT_VIEW_WINDOW_MS = 30 * 60_000;

export async function countChatView(
  deps: Deps,
  accountId: string,
  employeeId: string,
): Promise<void> {
  const account = await deps.db
    .select({ plan: accounts.plan })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .get();
  if (account?.plan !== "trial") return;
  const now = deps.now();
  const open = await deps.db
    .select({ id: chatViews.id })
    .from(chatViews)
    .where(
      and(
        eq(chatViews.accountId, accountId),
        eq(chatViews.employeeId, employeeId),
        gt(chatViews.openedAt, now - CHAT_VIEW_WINDOW_MS),
      ),
    )
    .get();
  if (open) return;
  const inserted = await deps.env.DB.prepare(
    `INSERT INTO chat_views (id, account_id, employee_id, opened_at)
     SELECT ?1, ?2, ?3, ?4
     WHERE (SELECT count(*) FROM chat_views WHERE account_id = ?2) < ?5
     RETURNING id`,
  )
    .bind(crypto.randomUUID(), accountId, employeeId, now, TRIAL_CHAT_VIEWS)
    .first<{ id: string }>();
  if (!inserted)
    throw new ApiError(
      402,
      "chat_views_exhausted",
      `The trial includes ${TRIAL_CHAT_VIEWS} chat sessions, and they are used. Choose a plan to keep working with your employee.`,
      undefined,
      undefined,
      { upgradeUrl: `${deps.config.appOrigin}/account` },
    );
}

export async function chatViewsUsed(deps: Deps, accountId: string): Promise<number> {
  const row = await deps.db
    .select({ n: count() })
    .from(chatViews)
    .where(eq(chatViews.accountId, accountId))
    .get();
  return row?.n ?? 0;
}
