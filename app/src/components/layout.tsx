import { A, createAsync, revalidate, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, For, type JSX, onMount, Show, Suspense } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { languages, useI18n } from "../i18n/i18n.tsx";
import { SIGN_IN_LANDINGS, takeAfterSignIn } from "../lib/after-sign-in.ts";
import { showAccount } from "../lib/api.ts";
import { getAccounts } from "../lib/server.ts";
import { AccountChangedNotice } from "./account-changed.tsx";
import { AccountSwitcher } from "./account-switcher.tsx";
import { DeletionBanner } from "./deletion-banner.tsx";

// Header and footer of every page. The language switch is a plain link, so it works without
// JavaScript: the server sets the cookie and sends the visitor back. Signed in, the header adds
// the team's pages my role may see, the account switcher, and the deletion banner.
export function Layout(props: { children: JSX.Element }) {
  const { t, lang } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const accounts = createAsync(() => getAccounts());
  const active = () => accounts()?.find((a) => a.active);
  // Every call from this page names the account it shows (lib/api.ts). `latest` reads it without
  // suspending the page while the list is fetched again.
  createEffect(() => showAccount(accounts.latest?.find((a) => a.active)?.id));
  // A sign-in started on a page that needs one (an invitation) lands where the edge sends every
  // sign-in; from there, back to that page.
  onMount(() => {
    if (!SIGN_IN_LANDINGS.includes(location.pathname)) return;
    const back = takeAfterSignIn();
    if (back) navigate(back, { replace: true });
  });
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
          <Suspense>
            <Show when={active()}>
              {(a) => (
                <>
                  <A href="/team">{t("nav.members")}</A>
                  <Show when={can(a().role, "audit.read")}>
                    <A href="/audit">{t("nav.audit")}</A>
                  </Show>
                </>
              )}
            </Show>
          </Suspense>
          <A href="/account">{t("nav.account")}</A>
          <Suspense>
            <AccountSwitcher accounts={accounts() ?? []} path={location.pathname} />
          </Suspense>
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
      <Suspense>
        <Show when={active()?.deletionScheduledFor ? active() : undefined}>
          {(a) => (
            <DeletionBanner
              name={a().name}
              scheduledFor={a().deletionScheduledFor ?? ""}
              canRestore={can(a().role, "account.own")}
              onChanged={() => revalidate(getAccounts.key)}
            />
          )}
        </Show>
      </Suspense>
      <AccountChangedNotice />
      <main id="main">{props.children}</main>
      <footer class="bottom">{t("footer.rights")}</footer>
    </>
  );
}
