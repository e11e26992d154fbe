import { createSignal, Show } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure } from "../lib/api.ts";
import { useApi } from "../lib/api-context.tsx";
import { formatDate } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";

// At the top of every page while the account waits to be deleted: when, and (for the owner) Cancel.
export function DeletionBanner(props: {
  name: string;
  scheduledFor: string;
  canRestore: boolean;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const restore = async () => {
    setBusy(true);
    try {
      await api("POST /api/account/restore");
      toast(t("delete.canceled"), "info");
      props.onChanged();
    } catch (err) {
      // 409: nothing scheduled any more (canceled elsewhere): the banner goes with a fresh read.
      if (err instanceof ApiFailure && err.code === "invalid_state") props.onChanged();
      else toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="banner alert" role="alert" data-testid="deletion-banner">
      <span>
        {t("delete.scheduled", { team: props.name, date: formatDate(props.scheduledFor, lang) })}
      </span>{" "}
      <Show when={props.canRestore} fallback={<span>{t("delete.ownerCancels")}</span>}>
        <button class="button small" type="button" disabled={busy()} onClick={restore}>
          {t("delete.cancel")}
        </button>
      </Show>
    </div>
  );
}
