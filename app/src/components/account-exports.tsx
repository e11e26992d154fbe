import { createEffect, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { formatDateTime, formatSize } from "../lib/format.ts";
import { createLoad } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";
import { LoadState } from "./load-state.tsx";
import { toast } from "./toasts.tsx";

/** How often the list asks again while an export is being prepared. */
export const EXPORT_POLL_MS = 5_000;

// The owner's exports of the account's data: ask for one, watch it get ready, download it.
export function AccountExports() {
  const { t, lang } = useI18n();
  const api = useApi();
  const exports = createLoad(async () => (await api("GET /api/account/exports")).exports);
  const [busy, setBusy] = createSignal(false);
  const preparing = () => (exports.value() ?? []).some((e) => e.status === "preparing");
  createEffect(() => {
    if (!preparing()) return;
    const timer = setInterval(() => void exports.reload(), EXPORT_POLL_MS);
    onCleanup(() => clearInterval(timer));
  });
  const start = async () => {
    setBusy(true);
    try {
      const { export: started } = await api("POST /api/account/export");
      toast(t("export.started"), "info");
      exports.set((list) => [started, ...list.filter((e) => e.id !== started.id)]);
      if (exports.load().state !== "ready") await exports.reload();
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card block" aria-labelledby="export-title">
      <h2 id="export-title">{t("export.title")}</h2>
      <p class="muted">{t("export.text")}</p>
      <div class="actions">
        <button class="button" type="button" disabled={busy()} onClick={start}>
          {t("export.start")}
        </button>
      </div>
      <LoadState load={exports.load()} empty={t("export.empty")} onRetry={exports.reload}>
        {(list) => (
          <ul class="people" aria-label={t("export.title")}>
            <For each={list}>
              {(e) => (
                <li class="person" data-export={e.status}>
                  <div class="person-who">
                    <strong>
                      {t("export.created", { date: formatDateTime(e.createdAt, lang) })}
                    </strong>
                    <Switch>
                      <Match when={e.status === "preparing"}>
                        <span class="badge badge-restarting">
                          <span class="spinner" aria-hidden="true" />
                          {t("export.preparing")}
                        </span>
                      </Match>
                      <Match when={e.status === "failed"}>
                        <span class="badge badge-error">{t("export.failed")}</span>
                        <span class="muted small" lang="en">
                          {e.error ?? ""}
                        </span>
                      </Match>
                      <Match when={e.status === "ready"}>
                        <span class="badge badge-running">{t("export.ready")}</span>
                      </Match>
                    </Switch>
                  </div>
                  <Show when={e.status === "ready" ? e.downloadUrl : null}>
                    {(url) => (
                      <a class="button small" href={url()} download="">
                        {t("export.download", { size: formatSize(e.size ?? 0, lang) })}
                      </a>
                    )}
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </LoadState>
    </section>
  );
}
