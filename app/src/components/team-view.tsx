import { createSignal, lazy, Show, Suspense } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { createLoad } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { InviteForm, InviteList } from "./team-invites.tsx";
import { MemberList, type TeamMe } from "./team-members.tsx";
import { toast } from "./toasts.tsx";

// Strangers waiting for an admin's decision (issue 17): in its own chunk, with its texts.
const TeamPairing = lazy(() =>
  import("./channels/team-pairing.tsx").then((m) => ({ default: m.TeamPairing })),
);

// The Team page's body: who is in the team and, for those who manage members, invitations.
// Everyone but the owner can leave.
export function TeamView(props: { me: TeamMe; onMyRoleChanged: () => void; onLeft: () => void }) {
  const { t } = useI18n();
  const api = useApi();
  const manages = () => can(props.me.role, "members.manage");
  const members = createLoad(async () => (await api("GET /api/team/members")).members);
  // Members are not shown the invitations (the API would answer 403 forbidden_role).
  const invites = createLoad(async () =>
    manages() ? (await api("GET /api/team/invites")).invites : [],
  );
  return (
    <>
      <p class="muted">
        {t("team.lead", { team: props.me.teamName })}{" "}
        <span data-testid="my-role">
          {t("team.yourRole", { role: t(`teamRole.${props.me.role}`) })}
        </span>
      </p>
      <Show when={can(props.me.role, "employees.manage")}>
        <Suspense fallback={null}>
          <TeamPairing />
        </Suspense>
      </Show>
      <section class="card block" aria-labelledby="members-title">
        <h2 id="members-title">{t("team.members")}</h2>
        <MemberList
          me={props.me}
          load={members.load()}
          onRetry={members.reload}
          onChanged={members.reload}
          onMyRoleChanged={props.onMyRoleChanged}
        />
        <p class="muted small">{t("team.rolesHelp")}</p>
      </section>
      <Show when={manages()}>
        <section class="card block" aria-labelledby="invite-title">
          <h2 id="invite-title">{t("team.invite")}</h2>
          <p class="muted">{t("team.inviteText")}</p>
          <InviteForm onInvited={invites.reload} />
        </section>
        <section class="card block" aria-labelledby="invites-title">
          <h2 id="invites-title">{t("team.invites")}</h2>
          <InviteList load={invites.load()} onRetry={invites.reload} onChanged={invites.reload} />
        </section>
      </Show>
      <Show when={props.me.role !== "owner"}>
        <LeaveTeam me={props.me} onLeft={props.onLeft} />
      </Show>
    </>
  );
}

function LeaveTeam(props: { me: TeamMe; onLeft: () => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [asking, setAsking] = createSignal(false);
  const leave = async (): Promise<boolean> => {
    try {
      await api("DELETE /api/team/members/:userId", { params: { userId: props.me.userId } });
      props.onLeft();
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      return false;
    }
  };
  return (
    <section class="card block" aria-labelledby="leave-title">
      <h2 id="leave-title">{t("team.leave")}</h2>
      <p class="muted">{t("team.leaveText", { team: props.me.teamName })}</p>
      <button class="button danger" type="button" onClick={() => setAsking(true)}>
        {t("team.leaveButton", { team: props.me.teamName })}
      </button>
      <Show when={asking()}>
        <ConfirmDialog
          title={t("team.leaveTitle", { team: props.me.teamName })}
          confirmLabel={t("team.leaveButton", { team: props.me.teamName })}
          onConfirm={leave}
          onClose={() => setAsking(false)}
        >
          <p>{t("team.leaveConfirm")}</p>
        </ConfirmDialog>
      </Show>
    </section>
  );
}
