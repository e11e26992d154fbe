import { A } from "@solidjs/router";
import { Show } from "solid-js";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { type ApprovalsStore, sharedApprovals } from "../../lib/approvals.ts";

// The header's way to the approvals inbox, with how many requests wait, live, on every signed-in
// page (in its own chunk: the landing page does not download it). Narrow screens show it only
// while something waits, as the count alone; the account menu has the link otherwise. Its name
// says the count in words ("Approvals, 2 requests waiting").
export default function ApprovalsBadge(props: { store?: ApprovalsStore }) {
  const { t, tn } = useI18n();
  const store = props.store ?? sharedApprovals(useApi());
  const n = () => store?.pending().length ?? 0;
  return (
    <A
      href="/approvals"
      class={n() > 0 ? "approvals-link" : "approvals-link wide-only"}
      data-testid="approvals-link"
    >
      <span class="approvals-word">{t("nav.approvals")}</span>
      <Show when={n() > 0}>
        <span class="badge" data-tone="warning" data-testid="approvals-count" aria-hidden="true">
          {n()}
        </span>
        <span class="visually-hidden">, {tn("approvals.waiting", n())}</span>
      </Show>
    </A>
  );
}
