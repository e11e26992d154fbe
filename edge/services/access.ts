import { and, eq } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { type AccessScope, importSigningKey, signAccessToken } from "../protocol/access-token.ts";
import type { Deps } from "./deps.ts";

// Minutes, not hours: the app refreshes the URLs before they expire.
export const ACCESS_TOKEN_TTL_MS = 5 * 60_000;
const SERVICE: Record<AccessScope, string> = { chat: "gw", browser: "vnc" };

let keyCache:
  | { source: string; key: Promise<Awaited<ReturnType<typeof importSigningKey>>> }
  | undefined;

const serviceUrl = (config: Deps["config"], employeeId: string, scope: AccessScope) =>
  new URL(
    config.ACCESS_URL_TEMPLATE.replace("{employee}", employeeId).replace(
      "{service}",
      SERVICE[scope],
    ),
  );

/** The browser origin of an employee's chat: its OpenClaw accepts WebSockets from it alone. */
export const chatOrigin = (config: Deps["config"], employeeId: string) =>
  serviceUrl(config, employeeId, "chat").origin;

export async function accessUrls(deps: Deps, userId: string, employeeId: string) {
  const row = await deps.db
    .select({ status: employees.status })
    .from(employees)
    .where(and(eq(employees.id, employeeId), eq(employees.userId, userId)))
    .get();
  if (!row) throw notFound("employee");
  if (row.status !== "running") {
    throw new ApiError(
      409,
      "employee_not_running",
      "The chat and browser open once the employee is working.",
    );
  }
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
    const token = await signAccessToken(key, { e: employeeId, u: userId, s: scope, x: expiresAt });
    const u = serviceUrl(deps.config, employeeId, scope);
    u.searchParams.set("access", token);
    return u.href;
  };
  return {
    chatUrl: await url("chat"),
    browserUrl: await url("browser"),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}
