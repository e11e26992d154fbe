import type { APIEvent } from "@solidjs/start/server";
import { isLang, LANG_COOKIE } from "../../i18n/i18n.tsx";

export const LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

// GET /lang/de?back=/pricing: remembers the language for a year and returns to the page. Only
// paths on this site are accepted as `back`, so the link cannot send anyone elsewhere.
export function GET(event: APIEvent) {
  const code = event.params.code;
  const url = new URL(event.request.url);
  const back = url.searchParams.get("back") ?? "/";
  const target = back.startsWith("/") && !back.startsWith("//") ? back : "/";
  const headers = new Headers({ location: target });
  if (isLang(code))
    headers.append(
      "set-cookie",
      `${LANG_COOKIE}=${code}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE_S}; SameSite=Lax`,
    );
  return new Response(null, { status: 303, headers });
}
