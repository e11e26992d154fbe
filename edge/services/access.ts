import { and, count, eq, gt } from "drizzle-orm";
import { accounts, chatViews } from "../../db/schema.ts";
import { ApiError } from "../http/api-error.ts";
import { type AccessScope, importSigningKey, signAccessToken } from "../protocol/access-token.ts";
import { accessServiceUrl } from "../protocol/access-url.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";

// Minutes, not hours: the app refreshes the URLs before they expire.
export const ACCESS_TOKEN_TTL_MS = 5 * 60_000;

let keyCache:
  | { source: string; key: Promise<Awaited<ReturnType<typeof importSigningKey>>> }
  | undefined;

export async function accessUrls(deps: Deps, accountId: string, employeeId: string) {
  const row = await ownedEmployee(deps, accountId, employeeId);
  if (row.status !== "running") {
    throw new ApiError(
      409,
      "employee_not_running",
      "The chat and browser open once the employee is working.",
    );
  }
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
  return {
    chatUrl: await url("chat"),
    browserUrl: await url("browser"),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

// The trial's paywall: the chat view may be opened TRIAL_CHAT_VIEWS times. An opening is a
// request for access to an employee with no opening in the last CHAT_VIEW_WINDOW_MS, so the
// app's own URL refreshes while the view stays open do not count. The count is rows in D1: the
// client cannot reset it, and the limit is checked in the inserting statement itself.
export const TRIAL_CHAT_VIEWS = 3;
export const CHAT_VIEW_WINDOW_MS = 30 * 60_000;

async function countChatView(deps: Deps, accountId: string, employeeId: string): Promise<void> {
  const user = await deps.db
    .select({ plan: accounts.plan })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .get();
  if (user?.plan !== "trial") return;
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
    `INSERT INTO chat_views (id, user_id, employee_id, opened_at)
     SELECT ?1, ?2, ?3, ?4
     WHERE (SELECT count(*) FROM chat_views WHERE user_id = ?2) < ?5
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
