import type { RouteSectionProps } from "@solidjs/router";
import type { APIEvent } from "@solidjs/start/server";
import { onMount } from "solid-js";
import { isLang, LANG_COOKIE, useI18n } from "../../i18n/i18n.tsx";
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

// The switch is a plain link, and the router takes over every same-origin link on a page that
// has loaded: without a page here it rendered "Page not found" instead of asking the server. So
// the page asks the server itself, replacing this address in the history, and the handler above
// sets the cookie and returns to where the visitor was, rendered in the new language. The address
// is the router's: the browser's still shows the page before until the navigation has settled.
// (Only types from the router here: the handler's tests run in Node, where it needs a window.)
export default function SwitchLanguage(props: RouteSectionProps) {
  const { t } = useI18n();
  onMount(() => window.location.replace(props.location.pathname + props.location.search));
  return <p aria-live="polite">{t("lang.switching")}</p>;
}
