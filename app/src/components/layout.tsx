import { A, useLocation } from "@solidjs/router";
import { For, type JSX } from "solid-js";
import { languages, useI18n } from "../i18n/i18n.tsx";

// Header and footer of every page. The language switch is a plain link, so it works without
// JavaScript: the server sets the cookie and sends the visitor back.
export function Layout(props: { children: JSX.Element }) {
  const { t, lang } = useI18n();
  const location = useLocation();
  return (
    <>
      <a class="skip" href="#main">
        {t("nav.skip")}
      </a>
      <header class="top">
        <A href="/" class="brand">
          InstantWorker
        </A>
        <nav aria-label="Main">
          <A href="/#pricing">{t("nav.pricing")}</A>
          <A href="/dashboard">{t("nav.dashboard")}</A>
          <A href="/account">{t("nav.account")}</A>
          <ul class="langs" aria-label={t("nav.language")}>
            <For each={languages}>
              {(code) => (
                <li>
                  <a
                    href={`/lang/${code}?back=${encodeURIComponent(location.pathname + location.search)}`}
                    aria-current={code === lang ? "true" : undefined}
                    hreflang={code}
                    lang={code}
                    rel="nofollow"
                  >
                    {code.toUpperCase()}
                  </a>
                </li>
              )}
            </For>
          </ul>
        </nav>
      </header>
      <main id="main">{props.children}</main>
      <footer class="bottom">{t("footer.rights")}</footer>
    </>
  );
}
