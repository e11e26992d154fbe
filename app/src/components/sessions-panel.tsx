import { createSignal, For, Show } from "solid-js";
import type { SessionView } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure } from "../lib/api.ts";
import { useApi } from "../lib/api-context.tsx";
import { formatDateTime } from "../lib/format.ts";
import { createLoad } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { LoadState } from "./load-state.tsx";
import { toast } from "./toasts.tsx";

// "Where you're signed in": every session of mine, this one marked. Ending one signs that browser
// out; "everywhere else" keeps only this one.
export function SessionsPanel() {
  const { t, lang } = useI18n();
  const api = useApi();
  const sessions = createLoad(async () => (await api("GET /api/sessions")).sessions);
  const [asking, setAsking] = createSignal(false);
  const others = () => (sessions.value() ?? []).filter((s) => !s.current);
  const end = async (s: SessionView) => {
    try {
      await api("DELETE /api/sessions/:id", { params: { id: s.id } });
      toast(t("sessions.ended", { device: s.device }), "info");
    } catch (err) {
      // Already ended elsewhere (404): the list below says so.
      if (!(err instanceof ApiFailure && err.status === 404)) {
        toast(apiMessage(err, t, lang));
        return;
      }
    }
    sessions.set((list) => list.filter((x) => x.id !== s.id));
  };
  const endOthers = async (): Promise<boolean> => {
    try {
      await api("DELETE /api/sessions");
      toast(t("sessions.endedOthers"), "info");
      await sessions.reload();
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      return false;
    }
  };
  return (
    <section class="card block" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("sessions.title")}</h2>
      <LoadState load={sessions.load()} empty={t("sessions.empty")} onRetry={sessions.reload}>
        {(list) => (
          <ul class="people" aria-label={t("sessions.title")}>
            <For each={list}>
              {(s) => (
                <li
                  class="person"
                  data-session={s.id}
                  data-current={s.current ? "true" : undefined}
                >
                  <div class="person-who">
                    <strong>{s.device}</strong>
                    <Show when={s.current}>
                      <span class="badge badge-running">{t("sessions.current")}</span>
                    </Show>
                    <span class="muted small">
                      {t("sessions.lastSeen", { date: formatDateTime(s.lastSeenAt, lang) })}
                      {s.ip ? ` · ${s.ip}` : ""}
                    </span>
                    <span class="muted small">
                      {t("sessions.signedIn", { date: formatDateTime(s.createdAt, lang) })}
                    </span>
                  </div>
                  <Show when={!s.current}>
                    <div class="person-actions">
                      <button
                        class="button small"
                        type="button"
                        aria-label={t("sessions.endOf", { device: s.device })}
                        onClick={() => end(s)}
                      >
                        {t("sessions.end")}
                      </button>
                    </div>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </LoadState>
      <Show when={others().length > 0}>
        <div class="actions">
          <button class="button danger" type="button" onClick={() => setAsking(true)}>
            {t("sessions.endOthers")}
          </button>
        </div>
      </Show>
      <Show when={asking()}>
        <ConfirmDialog
          title={t("sessions.endOthersTitle")}
          confirmLabel={t("sessions.endOthers")}
          onConfirm={endOthers}
          onClose={() => setAsking(false)}
        >
          <p>{t("sessions.endOthersConfirm")}</p>
        </ConfirmDialog>
      </Show>
    </section>
  );
}
