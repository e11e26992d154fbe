import { Title } from "@solidjs/meta";
import { createAsync, useSearchParams } from "@solidjs/router";
import { Show } from "solid-js";
import { getRequestEvent, isServer } from "solid-js/web";
import { useI18n } from "../../i18n/i18n.tsx";
import { getSignInLink } from "../../lib/server.ts";

const tokenOf = (value: string | string[] | undefined) => (typeof value === "string" ? value : "");

export const route = {
  preload: ({ location }: { location: { query: Record<string, string | string[] | undefined> } }) =>
    getSignInLink(tokenOf(location.query.token)),
};

// Where the emailed link lands: it says whose account the link opens and signs in only when the
// button is pressed, so a mail scanner opening the link, or a link someone else sent, signs no one
// in. A plain form: it works without JavaScript.
export default function ConfirmSignIn() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = () => tokenOf(params.token);
  const link = createAsync(() => getSignInLink(token()), { deferStream: true });
  if (isServer) {
    const headers = getRequestEvent()?.response.headers;
    // The token is in this page's URL and form: keep it out of caches and of Referer headers to
    // other sites, and the page out of other sites' frames (where a disguised button could be
    // pressed for the visitor). Not "no-referrer": browsers then send `Origin: null` with the
    // form, which the edge rightly refuses.
    headers?.set("cache-control", "no-store");
    headers?.set("referrer-policy", "same-origin");
    headers?.set("x-frame-options", "DENY");
    headers?.set("content-security-policy", "frame-ancestors 'none'");
  }
  return (
    <section class="narrow">
      <Title>{t("signIn.confirm.title")} · InstantWorker</Title>
      <Show when={link()}>
        {(l) => (
          <>
            <h1>{t("signIn.confirm.title")}</h1>
            <p>{t("signIn.confirm.lead", { email: l().email })}</p>
            <form method="post" action="/api/auth/magic-link/verify">
              <input type="hidden" name="token" value={token()} />
              <button class="button primary" type="submit">
                {t("signIn.confirm.button", { email: l().email })}
              </button>
            </form>
            <p class="muted">{t("signIn.confirm.notYou")}</p>
          </>
        )}
      </Show>
    </section>
  );
}
