import type { APIEvent } from "@solidjs/start/server";
import { isLang, LANG_COOKIE } from "../../i18n/i18n.tsx";
import { sameOriginPath } from "../../lib/same-origin-path.ts";

export const LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

// GET /lang/de?back=/pricing: remembers the language for a year and returns to the page. `back`
// is reduced to a path on this site, however it is encoded, so the link cannot send anyone
// elsewhere.
export function GET(event: APIEvent) {
  const code = event.params.code;
  const url = new URL(event.request.url);
  const headers = new Headers({ location: sameOriginPath(url.searchParams.get("back")) });
  if (isLang(code))
    headers.append(
      "set-cookie",
      `${LANG_COOKIE}=${code}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE_S}; SameSite=Lax`,
    );
  return new Response(null, { status: 303, headers });
}
