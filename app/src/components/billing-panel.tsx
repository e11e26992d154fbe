import { createSignal, For, Show } from "solid-js";
import type { Me } from "../../../edge/contract/account.ts";
import type { Catalogue, PaidPlanId, Plan } from "../../../edge/contract/catalogue.ts";
import { can } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { formatDate } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";

const DAY_MS = 24 * 3600 * 1000;
type PaidPlan = Plan & { id: PaidPlanId };

// The account's plan for everyone in it; choosing a plan and the billing portal for the owner
// only (the API refuses the others with 403 forbidden_role).
export function BillingPanel(props: { me: Me; catalogue: Catalogue | undefined }) {
  const { t, tn, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal<string | null>(null);
  const m = () => props.me;
  const owner = () => can(m().account.role, "billing.manage");
  const daysLeft = () =>
    Math.max(0, Math.ceil((Date.parse(m().trialEndsAt) - Date.now()) / DAY_MS));
  const date = (iso: string | null | undefined) => formatDate(iso, lang);
  const paid = () => props.catalogue?.plans.filter((p): p is PaidPlan => p.id !== "trial") ?? [];
  const price = (p: Plan) =>
    new Intl.NumberFormat(lang, { style: "currency", currency: p.currency.toUpperCase() }).format(
      p.priceCentsPerMonth / 100,
    );
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
  return (
    <>
      <h2 id="plans">{t("account.plan")}</h2>
      <p data-testid="plan">
        {props.catalogue?.plans.find((p) => p.id === m().plan)?.name ?? m().plan}
      </p>
      <Show when={m().plan === "trial"}>
        <p>{daysLeft() > 0 ? tn("account.trialLeft", daysLeft()) : t("account.trialOver")}</p>
      </Show>
      <Show when={m().usage.chatViews}>
        {(v) => <p class="muted">{t("account.chatViews", { used: v().used, limit: v().limit })}</p>}
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
      <Show
        when={owner()}
        fallback={
          <p class="muted" data-testid="owner-billing">
            {t("account.ownerBilling", { team: m().account.name })}
          </p>
        }
      >
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
      </Show>
    </>
  );
}
