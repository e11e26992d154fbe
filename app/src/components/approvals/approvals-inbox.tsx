import { createEffect, createSignal, For, on, onMount, Show } from "solid-js";
import type { Me } from "../../../../edge/contract/account.ts";
import type { ApprovalDecision } from "../../../../edge/contract/approvals.ts";
import { ApiFailure } from "../../../../edge/contract/client.ts";
import { can, canDecideApprovals } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { type ApprovalsStore, statusAt } from "../../lib/approvals.ts";
import type { Load } from "../../lib/load.ts";
import { apiMessage } from "../../lib/messages.ts";
import { LoadState } from "../load-state.tsx";
import { toast } from "../toasts.tsx";
import { ApprovalCard } from "./approval-card.tsx";
import { outcomeText, wantsText } from "./approval-text.ts";
import "../../styles/approvals.css";
import "../../i18n/approvals-texts.ts";

// The team's one approvals inbox (issue 18): what is waiting, live, the one expiring soonest
// first, and what was decided in the last 7 days. Owners and admins decide; a member only when an
// admin granted it (the Team page), otherwise the list is read-only and says why. `focus` (from
// the links in the emails and channels) scrolls to one request and marks it.
export function ApprovalsInbox(props: { me: Me; store: ApprovalsStore; focus?: string }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const store = props.store;
  // Owners and admins may; a member's grant is in the team's list (which every member may read).
  const [granted, setGranted] = createSignal<boolean | null>(
    can(props.me.account.role, "approvals.decide") ? true : null,
  );
  const [notice, setNotice] = createSignal<string | null>(null);
  onMount(() => {
    store.withDecided();
    if (granted() !== null) return;
    api("GET /api/team/members")
      .then(({ members }) => {
        const mine = members.find((m) => m.userId === props.me.user.id);
        setGranted(canDecideApprovals(props.me.account.role, mine?.canApprove === true));
      })
      .catch(() => setGranted(false));
  });
  const canDecide = () => granted() === true;

  const decide = async (id: string, decision: ApprovalDecision, reason?: string) => {
    setNotice(null);
    try {
      const a = await store.decide(id, decision, reason);
      toast(t(`approvals.done.${decision}`, { name: a.employeeName }), "info");
    } catch (err) {
      const now = store.get(id);
      if (err instanceof ApiFailure && err.code === "approval_decided" && now) {
        setNotice(
          t("approvals.already", {
            what: `${wantsText(now, t)}: ${outcomeText(now, t) ?? t("approvals.status.pending")}`,
          }),
        );
      } else toast(apiMessage(err, t, lang));
    }
  };

  const pendingLoad = (): Load<ReturnType<typeof store.pending>> => {
    const s = store.state();
    return s.state === "ready" ? { state: "ready", value: store.pending() } : s;
  };
  const ready = () => store.state().state === "ready";

  // The followed link's request: scrolled to and marked once the list has it.
  const [focusGone, setFocusGone] = createSignal(false);
  createEffect(
    on(ready, (isReady) => {
      if (!isReady || !props.focus) return;
      const el = document.getElementById(`approval-${props.focus}`);
      if (!el) return setFocusGone(true);
      el.scrollIntoView?.({ block: "center" });
      el.focus({ preventScroll: true });
    }),
  );

  const card = (a: ReturnType<typeof store.pending>[number]) => (
    <ApprovalCard
      approval={a}
      status={statusAt(a, Date.now())}
      canDecide={canDecide()}
      focused={a.id === props.focus}
      onDecide={(decision, reason) => decide(a.id, decision, reason)}
    />
  );

  return (
    <>
      <p class="muted">{t("approvals.lead")}</p>
      <Show when={granted() === false}>
        <p class="notice" data-testid="read-only">
          {t("approvals.readOnly")}
        </p>
      </Show>
      <Show when={notice()}>
        {(n) => (
          <p class="notice" data-tone="warning" role="status" data-testid="decided-first">
            {n()}
          </p>
        )}
      </Show>
      <Show when={focusGone()}>
        <p class="notice" data-testid="focus-gone">
          {t("approvals.focusGone")}
        </p>
      </Show>
      <section aria-labelledby="approvals-pending">
        <h2 id="approvals-pending">{t("approvals.pending")}</h2>
        <LoadState load={pendingLoad()} empty={t("approvals.empty")} onRetry={store.reload}>
          {(items) => (
            <ul class="cards approvals" data-testid="pending">
              <For each={items}>{card}</For>
            </ul>
          )}
        </LoadState>
      </section>
      <Show when={ready()}>
        <section aria-labelledby="approvals-decided">
          <h2 id="approvals-decided">{t("approvals.decidedTitle")}</h2>
          <Show
            when={store.decided().length > 0}
            fallback={<p class="empty">{t("approvals.decidedEmpty")}</p>}
          >
            <ul class="cards approvals" data-testid="decided">
              <For each={store.decided()}>{card}</For>
            </ul>
          </Show>
        </section>
      </Show>
    </>
  );
}
