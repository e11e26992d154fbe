import { createSignal, Show } from "solid-js";
import type { Me } from "../../../edge/contract/account.ts";
import { type AccountView, can } from "../../../edge/contract/team.ts";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { type Lang, useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { dismissableMenu } from "../lib/dismissable-menu.ts";
import { AccountSwitcher } from "./account-switcher.tsx";
import { Languages } from "./languages.tsx";

const DAY_MS = 86_400_000;

/** Whole days left in the trial, counting a started day; 0 once it has ended. */
export const trialDaysLeft = (trialEndsAt: string, now = Date.now()) =>
  Math.max(0, Math.ceil((Date.parse(trialEndsAt) - now) / DAY_MS));

const planName = (lang: Lang, id: string) =>
  catalogueText(lang, "plan", id, { name: id.charAt(0).toUpperCase() + id.slice(1) }).name;

// What the account has and uses, in sight on every page: the plan, the trial's days, its chats,
// and the plan's employees. A limit reached is marked (and said), and the owner of a trial sees
// the way to a plan.
export function PlanUsage(props: { me: Me; class?: string }) {
  const { t, tn, lang } = useI18n();
  const m = () => props.me;
  const days = () => trialDaysLeft(m().trialEndsAt);
  const full = (used: number, limit: number) => (used >= limit ? "full" : undefined);
  return (
    <ul class={`usage ${props.class ?? ""}`} aria-label={t("money.usage")} data-testid="usage">
      <li>
        <span class="badge" data-tone={m().plan === "trial" ? "accent" : "success"}>
          <span class="visually-hidden">{t("money.plan")}: </span>
          {planName(lang, m().plan)}
        </span>
      </li>
      <Show when={m().plan === "trial"}>
        <li data-testid="trial-days" data-state={days() === 0 ? "full" : undefined}>
          {days() > 0 ? tn("money.trialDays", days()) : t("money.trialOver")}
        </li>
      </Show>
      <Show when={m().usage.chatViews}>
        {(c) => (
          <li data-testid="chats-used" data-state={full(c().used, c().limit)}>
            {t("money.chats", { used: c().used, limit: c().limit })}
          </li>
        )}
      </Show>
      <li
        data-testid="employees-used"
        data-state={full(m().usage.employees, m().limits.maxEmployees)}
      >
        {t("money.employees", { used: m().usage.employees, limit: m().limits.maxEmployees })}
      </li>
      <Show when={m().plan === "trial" && can(m().account.role, "billing.manage")}>
        <li>
          <a class="button primary small" href="/account#plans" data-testid="upgrade">
            {t("money.upgrade")}
          </a>
        </li>
      </Show>
    </ul>
  );
}

// The signed-in person's menu: who they are, in which team, their pages, the language, and
// sign-out. A <details>, so it opens without JavaScript; it closes on Escape or a click outside.
export function AccountMenu(props: {
  me: Me;
  path: string;
  /** The accounts I am in, for the switcher (shown when there is more than one). */
  accounts?: AccountView[];
}) {
  const { t } = useI18n();
  const api = useApi();
  const [leaving, setLeaving] = createSignal(false);
  let menu: HTMLDetailsElement | undefined;
  dismissableMenu(() => menu);
  const who = () => props.me.user.name || props.me.user.email;
  const signOut = async () => {
    setLeaving(true);
    await api("POST /api/auth/logout").catch(() => undefined);
    location.assign("/");
  };
  return (
    <details class="menu" data-testid="account-menu" ref={menu}>
      <summary>
        <span class="avatar" aria-hidden="true">
          {who().charAt(0).toUpperCase()}
        </span>
        <span class="visually-hidden">{t("money.menu")}: </span>
        <span class="who">{who()}</span>
      </summary>
      <div class="menu-panel">
        <p class="menu-who">
          <strong>{who()}</strong>
          <Show when={props.me.user.name}>
            <span class="muted">{props.me.user.email}</span>
          </Show>
          <span class="muted">
            {props.me.account.name} · {t(`teamRole.${props.me.account.role}`)}
          </span>
        </p>
        <PlanUsage me={props.me} class="narrow-only" />
        <AccountSwitcher accounts={props.accounts ?? []} path={props.path.split("?")[0] ?? "/"} />
        <ul class="menu-links">
          <li>
            <a href="/account">{t("nav.account")}</a>
          </li>
          <li class="narrow-only">
            <a href="/team">{t("nav.members")}</a>
          </li>
          <li class="narrow-only">
            <a href="/approvals">{t("nav.approvals")}</a>
          </li>
          <Show when={can(props.me.account.role, "audit.read")}>
            <li class="narrow-only">
              <a href="/audit">{t("nav.audit")}</a>
            </li>
          </Show>
        </ul>
        <Languages path={props.path} />
        <button
          class="button block"
          type="button"
          data-testid="sign-out"
          disabled={leaving()}
          onClick={signOut}
        >
          {t("account.signOut")}
        </button>
      </div>
    </details>
  );
}
