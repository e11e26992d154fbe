import { createSignal, Show } from "solid-js";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import "../../styles/chat.css";
import "../../i18n/workspace-texts.ts";

// OpenClaw's own Control UI, for owners and admins who troubleshoot: never framed (it refuses to
// be, and a customer should not meet it), only opened in a tab of its own and named for what it
// is. The tab is opened at the click, before the short-lived URL is asked for, so that no popup
// blocker stops it; it is cut from this page (opener) before it is sent anywhere.
// Only those who manage employees see it (the engine's settings are theirs to touch).
export function AdvancedConsole(props: { employeeId: string; role: TeamRole }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const open = async () => {
    const tab = window.open("", "_blank");
    if (tab) tab.opener = null;
    setBusy(true);
    try {
      const access = await api("POST /api/employees/:id/access", {
        params: { id: props.employeeId },
        query: { service: "chat" },
      });
      if (tab) tab.location.href = access.chatUrl;
      else window.open(access.chatUrl, "_blank", "noopener,noreferrer");
    } catch (err) {
      tab?.close();
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={can(props.role, "employees.manage")}>
      <section class="card advanced-console" data-testid="advanced-console">
        <h2>{t("chat.advanced.title")}</h2>
        <p class="muted">{t("chat.advanced.text")}</p>
        <button type="button" class="button" disabled={busy()} onClick={open}>
          {t("chat.advanced.open")} <span aria-hidden="true">↗</span>
        </button>
      </section>
    </Show>
  );
}
