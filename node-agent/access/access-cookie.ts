// The cookie that carries an access grant on <employee>.gw|vnc.<domain>. `__Host-` makes browsers
// keep it to exactly the host that set it (Secure, Path=/, no Domain), and refuse any cookie of
// that name that a sibling host tries to set with a Domain attribute, so one employee's host can
// never shadow another's grant.
export const ACCESS_COOKIE = "__Host-iw_access";
// The name before the prefix; any spelling of it from a container is dropped.
const BARE_NAME = "iw_access";

export type CookieMode = "same-site" | "cross-site";

export function grantCookie(token: string, maxAgeS: number, mode: CookieMode): string {
  const site = mode === "cross-site" ? "SameSite=None; Partitioned" : "SameSite=Lax";
  return `${ACCESS_COOKIE}=${token}; Path=/; HttpOnly; Max-Age=${maxAgeS}; Secure; ${site}`;
}

const pairs = (header: string | undefined) =>
  (header ?? "")
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean);
const nameOf = (pair: string) => pair.split("=", 1)[0]?.trim() ?? "";
const isOurs = (name: string) =>
  name.replace(/^__(?:host|secure)-/i, "").toLowerCase() === BARE_NAME;

/** The grant from a request's Cookie header. */
export function grantFromCookie(header: string | undefined): string | undefined {
  const pair = pairs(header).find((p) => nameOf(p) === ACCESS_COOKIE);
  return pair?.slice(ACCESS_COOKIE.length + 1) || undefined;
}

/** The Cookie header the container gets: the same, without the grant (it never sees it). */
export function withoutGrant(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const rest = pairs(header).filter((p) => !isOurs(nameOf(p)));
  return rest.length ? rest.join("; ") : undefined;
}

/** Whether a container's Set-Cookie may reach the browser: not when it names our cookie in any
 *  spelling, and not when it has a Domain attribute (that would reach other employees' hosts). */
export function allowedSetCookie(value: string): boolean {
  const [pair = "", ...attributes] = value.split(";");
  if (isOurs(nameOf(pair))) return false;
  return !attributes.some((a) => /^\s*domain\s*(?:=|$)/i.test(a));
}
