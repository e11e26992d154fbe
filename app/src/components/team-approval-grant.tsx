import { createSignal, Show } from "solid-js";
import { can, type MemberView, type TeamRole } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";

// Who decides what employees ask (issue 18), on a member's row, for those who manage members:
// owners and admins always do (said, not offered); a member does when granted, a switch here.
export function ApprovalGrant(props: {
  /** The viewer's role. */
  role: TeamRole;
  member: MemberView;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const who = () => props.member.name || props.member.email;
  const toggle = async (canApprove: boolean) => {
    setBusy(true);
    try {
      await api("PATCH /api/team/members/:userId", {
        params: { userId: props.member.userId },
        body: { canApprove },
      });
      toast(
        t(canApprove ? "team.approvalsGranted" : "team.approvalsWithdrawn", { name: who() }),
        "info",
      );
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
      props.onChanged();
    }
  };
  return (
    <Show when={can(props.role, "members.manage")}>
      <Show
        when={props.member.role === "member"}
        fallback={
          <span class="muted small" data-testid="approvals-always">
            {t("team.approvalsAlways")}
          </span>
        }
      >
        <label class="approval-grant small" data-testid="approvals-grant">
          <input
            type="checkbox"
            checked={props.member.canApprove === true}
            disabled={busy()}
            onChange={(e) => void toggle(e.currentTarget.checked)}
          />
          <span>
            {t("team.approvals")}
            <span class="visually-hidden"> ({who()})</span>
          </span>
        </label>
      </Show>
    </Show>
  );
}
