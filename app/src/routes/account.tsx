import { Title } from "@solidjs/meta";
import { createAsync, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, For, onMount, Show } from "solid-js";
import type { PaidPlanId, Plan } from "../../../edge/contract/catalogue.ts";
import { toast } from "../components/toasts.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { api } from "../lib/api.ts";
import { apiMessage } from "../lib/messages.ts";
import { getCatalogue, requireMe } from "../lib/server.ts";

export const route = { preload: () => Promise.all([requireMe(), getCatalogue()]) };
const DAY_MS = 24 * 3600 * 1000;
type PaidPlan = Plan & { id: PaidPlanId };

export default function Account() {
  const { t, tn, lang } = useI18n();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  const [busy, setBusy] = createSignal<string | null>(null);
  const daysLeft = () =>
    Math.max(0, Math.ceil((Date.parse(me()?.trialEndsAt ?? "") - Date.now()) / DAY_MS));
  const date = (iso: string | null | undefined) =>
    iso ? new Date(iso).toLocaleDateString(lang, { dateStyle: "long" }) : "";
  const paid = () => catalogue()?.plans.filter((p): p is PaidPlan => p.id !== "trial") ?? [];
  const price = (p: Plan) =>
    new Intl.NumberFormat(lang, { style: "currency", currency: p.currency.toUpperCase() }).format(
      p.priceCentsPerMonth / 100,
    );

  onMount(() => {
    if (search.checkout === "success") toast(t("account.checkoutSuccess"), "info");
    if (search.checkout === "cancelled") toast(t("account.checkoutCancelled"), "info");
  });

  // Both answers are a Stripe page to go to; the subscription itself arrives by webhook.
  const go = async (plan: PaidPlanId | "portal") => {
    setBusy(plan);
    try {
      const { url } =
        plan === "portal"
          ? await api("POST /api/billing/portal")
          : await api("POST /api/billing/checkout", { body: { plan } });
      location.href = url;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      setBusy(null);
    }
  };
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
            <h2>{t("account.plan")}</h2>
            <p data-testid="plan">
              {catalogue()?.plans.find((p) => p.id === m().plan)?.name ?? m().plan}
            </p>
            <Show when={m().plan === "trial"}>
              <p>{daysLeft() > 0 ? tn("account.trialLeft", daysLeft()) : t("account.trialOver")}</p>
            </Show>
            <Show when={m().usage.chatViews}>
              {(v) => (
                <p class="muted">{t("account.chatViews", { used: v().used, limit: v().limit })}</p>
              )}
            </Show>
            <Show when={m().subscription}>
              {(s) => (
                <>
                  <Show when={s().graceEndsAt}>
                    <p class="alert" role="alert">
                      {t("account.pastDue", { date: date(s().graceEndsAt) })}
                    </p>
                  </Show>
                  <Show when={s().currentPeriodEnd && !s().graceEndsAt}>
                    <p class="muted">
                      {s().cancelAtPeriodEnd
                        ? t("account.ends", { date: date(s().currentPeriodEnd) })
                        : t("account.renews", { date: date(s().currentPeriodEnd) })}
                    </p>
                  </Show>
                </>
              )}
            </Show>
            <Show when={!m().billingConfigured}>
              <p class="muted">{t("account.billingOff")}</p>
            </Show>
            <ul class="cards">
              <For each={paid()}>
                {(p) => (
                  <li class="card" aria-current={m().plan === p.id ? "true" : undefined}>
                    <h3>{p.name}</h3>
                    <p class="price">
                      {price(p)} <span class="muted">{t("pricing.perMonth")}</span>
                    </p>
                    <p>{tn("pricing.employees", p.maxEmployees)}</p>
                    <Show
                      when={m().plan !== p.id}
                      fallback={<p class="muted">{t("account.current")}</p>}
                    >
                      <Show when={!m().subscription}>
                        <button
                          class="button primary"
                          type="button"
                          disabled={!m().billingConfigured || busy() !== null}
                          onClick={() => go(p.id)}
                        >
                          {busy() === p.id
                            ? t("account.redirecting")
                            : t("account.choose", { plan: p.name })}
                        </button>
                      </Show>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
            <Show when={m().subscription}>
              <div class="actions">
                <button
                  class="button"
                  type="button"
                  disabled={busy() !== null}
                  onClick={() => go("portal")}
                >
                  {busy() === "portal" ? t("account.redirecting") : t("account.manage")}
                </button>
              </div>
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
