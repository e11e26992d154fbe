import { A, createAsync, revalidate, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, type JSX, lazy, onMount, Show, Suspense } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { SIGN_IN_LANDINGS, takeAfterSignIn } from "../lib/after-sign-in.ts";
import { showAccount } from "../lib/api.ts";
import { getAccounts, getMe } from "../lib/server.ts";
import { AccountChangedNotice } from "./account-changed.tsx";
import { Languages } from "./languages.tsx";

// Only signed-in pages show the plan, the account menu (with the account switcher) and the
// deletion banner: a visitor's landing page does not download them (it has a JavaScript budget,
// infra/tests/app-build.test.ts).
const PlanUsage = lazy(() => import("./account-bar.tsx").then((m) => ({ default: m.PlanUsage })));
const AccountMenu = lazy(() =>
  import("./account-bar.tsx").then((m) => ({ default: m.AccountMenu })),
);
// The approvals inbox's link with its live count (issue 18): the account's live socket and the
// approvals store come with it.
const ApprovalsBadge = lazy(() => import("./approvals/approvals-badge.tsx"));
const DeletionBanner = lazy(() =>
  import("./deletion-banner.tsx").then((m) => ({ default: m.DeletionBanner })),
);

// Header and footer of every page, the header on one line down to 375 px. Signed out: pricing,
// sign-in and the language. Signed in: the team's pages my role may see, the plan and what is used
// of it, and the account menu (who I am, the account switcher, my pages, the language, sign-out).
// Narrow screens keep the brand, the team's page and the menu; the rest moves into the menu.
// The language switch is a plain link, so it works without JavaScript: the server sets the
// cookie and sends the visitor back.
export function Layout(props: { children: JSX.Element }) {
  const { t } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const me = createAsync(() => getMe());
  const accounts = createAsync(() => getAccounts());
  const active = () => accounts()?.find((a) => a.active);
  const here = () => location.pathname + location.search;
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
        <Suspense fallback={<nav aria-label="Main" />}>
          <Show
            when={me()}
            fallback={
              <nav aria-label="Main">
                <A href="/#pricing">{t("nav.pricing")}</A>
                <A href="/sign-in">{t("nav.signIn")}</A>
                <Languages path={here()} />
              </nav>
            }
          >
            {(m) => (
              <nav aria-label="Main">
                <A href="/dashboard">{t("nav.dashboard")}</A>
                <A href="/team" class="wide-only">
                  {t("nav.members")}
                </A>
                <ApprovalsBadge />
                <Show when={can(m().account.role, "audit.read")}>
                  <A href="/audit" class="wide-only">
                    {t("nav.audit")}
                  </A>
                </Show>
                <PlanUsage me={m()} class="wide-only" />
                <AccountMenu me={m()} path={here()} accounts={accounts() ?? []} />
              </nav>
            )}
          </Show>
        </Suspense>
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
