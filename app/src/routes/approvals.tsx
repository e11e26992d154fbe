import { Title } from "@solidjs/meta";
import { createAsync, useSearchParams } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import { ApprovalsInbox } from "../components/approvals/approvals-inbox.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { sharedApprovals } from "../lib/approvals.ts";
import { requireMe } from "../lib/server.ts";
import "../i18n/approvals-texts.ts";

// The approvals inbox (issue 18), in its own chunk. Its list is the page's one approvals store,
// the header badge's too (lib/approvals.ts); the server renders the heading only (the list is
// fetched in the browser, kept current by the account's live socket). No `route` export: the
// router's table in every page's JavaScript would carry this module's imports (its texts) too.
export default function Approvals() {
  const { t } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const [search] = useSearchParams();
  const store = sharedApprovals(useApi());
  // The store is the browser's only: the inbox renders once hydrated, as the server left it.
  const [mounted, setMounted] = createSignal(false);
  onMount(() => setMounted(true));
  const focus = () => (typeof search.focus === "string" ? search.focus : undefined);
  return (
    <section class="approvals-page">
      <Title>{t("approvals.title")} · InstantWorker</Title>
      <h1>{t("approvals.title")}</h1>
      <Show when={mounted() && store} fallback={<p>{t("common.loading")}</p>}>
        {(s) => (
          <Show when={me()} fallback={<p>{t("common.loading")}</p>}>
            {(m) => <ApprovalsInbox me={m()} store={s()} focus={focus()} />}
          </Show>
        )}
      </Show>
    </section>
  );
}
