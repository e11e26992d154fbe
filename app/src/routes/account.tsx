import { Title } from "@solidjs/meta";
import { createAsync, revalidate, useNavigate, useSearchParams } from "@solidjs/router";
import { lazy, onMount, Show, Suspense } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { AccountExports } from "../components/account-exports.tsx";
import { DeleteAccount, RenameAccount } from "../components/account-owner.tsx";
import { BillingPanel } from "../components/billing-panel.tsx";
import { SessionsPanel } from "../components/sessions-panel.tsx";
import { toast } from "../components/toasts.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { api } from "../lib/api.ts";
import { getAccounts, getCatalogue, requireMe } from "../lib/server.ts";

// The account's time zone for report weeks (issue 18), with its texts: the owner's only.
const AccountTimeZone = lazy(() => import("../components/work/account-time-zone.tsx"));

export const route = { preload: () => Promise.all([requireMe(), getCatalogue(), getAccounts()]) };

export default function Account() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  const accounts = createAsync(() => getAccounts());
  const active = () => accounts()?.find((a) => a.active);
  const refresh = () => revalidate([requireMe.key, getAccounts.key]);

  onMount(() => {
    if (search.checkout === "success") toast(t("account.checkoutSuccess"), "info");
    if (search.checkout === "cancelled") toast(t("account.checkoutCancelled"), "info");
  });

  const signOut = async () => {
    await api("POST /api/auth/logout").catch(() => undefined);
    navigate("/", { replace: true });
    location.reload();
  };
  return (
    <section class="narrow">
      <Title>{t("account.title")} · InstantWorker</Title>
      <h1>{t("account.title")}</h1>
      <Show when={me()}>
        {(m) => (
          <>
            <p>{m().user.email}</p>
            <Show when={m().billingNotice}>
              {(notice) => (
                <p class="alert" role="status" lang="en">
                  {notice()}
                </p>
              )}
            </Show>
            <section class="card block" aria-labelledby="team-account-title">
              <h2 id="team-account-title">{t("account.team")}</h2>
              <Show
                when={can(m().account.role, "account.own")}
                fallback={<p data-testid="account-name">{m().account.name}</p>}
              >
                <RenameAccount name={m().account.name} onChanged={refresh} />
                <Suspense>
                  <Show when={active()}>
                    {(a) => (
                      <AccountTimeZone timeZone={a().timeZone ?? "UTC"} onChanged={refresh} />
                    )}
                  </Show>
                </Suspense>
              </Show>
              <p class="muted">{t("team.yourRole", { role: t(`teamRole.${m().account.role}`) })}</p>
            </section>
            <BillingPanel me={m()} catalogue={catalogue()} />
            <SessionsPanel />
            <Show when={can(m().account.role, "account.own")}>
              <AccountExports />
              <DeleteAccount
                name={m().account.name}
                scheduledFor={active()?.deletionScheduledFor ?? null}
                onChanged={refresh}
              />
            </Show>
            <p>
              <button class="button" type="button" onClick={signOut}>
                {t("account.signOut")}
              </button>
            </p>
          </>
        )}
      </Show>
    </section>
  );
}
