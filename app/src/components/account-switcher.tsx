import { createSignal, For, Show } from "solid-js";
import type { AccountView } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { dismissableMenu } from "../lib/dismissable-menu.ts";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";

/** Pages that make sense in any account; from anywhere else a switch lands on the dashboard. */
const STAYS = new Set(["/dashboard", "/team", "/audit", "/account"]);

// The header's account menu for a person in more than one account: the account acted in with my
// role there, and the others to switch to. A switch reloads the page, so every list, live socket
// and control on it belongs to the new account.
export function AccountSwitcher(props: { accounts: AccountView[]; path: string }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const active = () => props.accounts.find((a) => a.active);
  const others = () => props.accounts.filter((a) => !a.active);
  let menu: HTMLDetailsElement | undefined;
  dismissableMenu(() => menu);
  const choose = async (a: AccountView) => {
    setBusy(true);
    try {
      await api("POST /api/accounts/:id/switch", { params: { id: a.id } });
      location.assign(STAYS.has(props.path) ? props.path : "/dashboard");
    } catch (err) {
      toast(apiMessage(err, t, lang));
      setBusy(false);
    }
  };
  return (
    <Show when={props.accounts.length > 1 && active()}>
      {(current) => (
        <details class="switcher" data-testid="account-switcher" ref={menu}>
          <summary>
            <span class="visually-hidden">{t("switcher.label")}: </span>
            <strong>{current().name}</strong>{" "}
            <span class="muted">· {t(`teamRole.${current().role}`)}</span>
          </summary>
          <ul aria-label={t("switcher.label")}>
            <For each={others()}>
              {(a) => (
                <li>
                  <button type="button" disabled={busy()} onClick={() => choose(a)}>
                    <strong>{a.name}</strong> <span class="muted">· {t(`teamRole.${a.role}`)}</span>
                    <Show when={a.deletionScheduledFor}>
                      <span class="muted small"> · {t("switcher.scheduled")}</span>
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </details>
      )}
    </Show>
  );
}
