import { Show } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import { accountChanged } from "../lib/api.ts";

// Once the edge has answered account_changed (another tab switched the session's account, or the
// person was removed from the one shown), nothing on this page can act any more: a notice that
// stays, with the one way on, rather than a toast that goes.
export function AccountChangedNotice() {
  const { t } = useI18n();
  return (
    <Show when={accountChanged()}>
      <div class="banner alert" role="alert" data-testid="account-changed">
        <span>{t("apiError.account_changed")}</span>{" "}
        <button type="button" onClick={() => location.reload()}>
          {t("accountChanged.reload")}
        </button>
      </div>
    </Show>
  );
}
