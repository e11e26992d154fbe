import { createSignal, For, Show } from "solid-js";
import {
  can,
  INVITABLE_ROLES,
  type MemberView,
  type TeamRole,
} from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { formatDate } from "../lib/format.ts";
import type { Load } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { LoadState } from "./load-state.tsx";
import { ApprovalGrant } from "./team-approval-grant.tsx";
import { toast } from "./toasts.tsx";

export interface TeamMe {
  userId: string;
  role: TeamRole;
  teamName: string;
}

// The edge's rules, so nobody is offered a button the API would refuse: admins manage members,
// only the owner touches admins (so every change of role is the owner's), nobody acts on the owner,
// and one's own place is left with "Leave", not removed.
export function mayRemove(me: TeamMe, target: MemberView): boolean {
  if (target.userId === me.userId || target.role === "owner") return false;
  if (!can(me.role, "members.manage")) return false;
  return target.role === "member" || me.role === "owner";
}
export const mayChangeRole = (me: TeamMe, target: MemberView): boolean =>
  me.role === "owner" && target.role !== "owner" && target.userId !== me.userId;
export const mayTransfer = mayChangeRole;

type Pending = { kind: "remove" | "transfer"; member: MemberView };

export function MemberList(props: {
  me: TeamMe;
  load: Load<MemberView[]>;
  onRetry: () => void;
  onChanged: () => void;
  onMyRoleChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [pending, setPending] = createSignal<Pending | null>(null);
  const who = (m: MemberView) => m.name || m.email;
  const act = async (p: Pending): Promise<boolean> => {
    try {
      if (p.kind === "remove") {
        await api("DELETE /api/team/members/:userId", { params: { userId: p.member.userId } });
        toast(t("team.removed", { name: who(p.member) }), "info");
        props.onChanged();
      } else {
        await api("PATCH /api/team/members/:userId", {
          params: { userId: p.member.userId },
          body: { role: "owner" },
        });
        toast(t("team.transferred", { name: who(p.member) }), "info");
        // My own role changed with it: the page's controls follow from a fresh Me.
        props.onMyRoleChanged();
        props.onChanged();
      }
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      props.onChanged();
      return false;
    }
  };
  return (
    <>
      <LoadState load={props.load} empty={t("team.empty")} onRetry={props.onRetry}>
        {(members) => (
          <ul class="people" aria-label={t("team.members")}>
            <For each={members}>
              {(m) => (
                <li class="person" data-member={m.email}>
                  <div class="person-who">
                    <strong>{who(m)}</strong>
                    <Show when={m.userId === props.me.userId}>
                      <span class="muted"> ({t("team.you")})</span>
                    </Show>
                    <Show when={m.name}>
                      <span class="muted person-email">{m.email}</span>
                    </Show>
                  </div>
                  <span class="badge" data-role={m.role}>
                    {t(`teamRole.${m.role}`)}
                  </span>
                  <span class="muted small">
                    {t("team.joined", { date: formatDate(m.joinedAt, lang) })}
                  </span>
                  <div class="person-actions">
                    <ApprovalGrant role={props.me.role} member={m} onChanged={props.onChanged} />
                    <Show when={mayChangeRole(props.me, m)}>
                      <RoleChange member={m} onChanged={props.onChanged} />
                    </Show>
                    <Show when={mayTransfer(props.me, m)}>
                      <button
                        class="button small"
                        type="button"
                        aria-label={t("team.transferOf", { name: who(m) })}
                        onClick={() => setPending({ kind: "transfer", member: m })}
                      >
                        {t("team.transfer")}
                      </button>
                    </Show>
                    <Show when={mayRemove(props.me, m)}>
                      <button
                        class="button small danger"
                        type="button"
                        aria-label={t("team.removeOf", { name: who(m) })}
                        onClick={() => setPending({ kind: "remove", member: m })}
                      >
                        {t("team.remove")}
                      </button>
                    </Show>
                  </div>
                </li>
              )}
            </For>
          </ul>
        )}
      </LoadState>
      <Show when={pending()}>
        {(p) => (
          <ConfirmDialog
            title={
              p().kind === "remove"
                ? t("team.removeTitle", { name: who(p().member) })
                : t("team.transferTitle", { name: who(p().member) })
            }
            confirmLabel={p().kind === "remove" ? t("team.remove") : t("team.transfer")}
            onConfirm={() => act(p())}
            onClose={() => setPending(null)}
          >
            <p>
              {p().kind === "remove"
                ? t("team.removeConfirm", { name: who(p().member), team: props.me.teamName })
                : t("team.transferConfirm", { name: who(p().member), team: props.me.teamName })}
            </p>
          </ConfirmDialog>
        )}
      </Show>
    </>
  );
}

// The owner's role picker on a row: admin or member (ownership moves with "Make owner").
function RoleChange(props: { member: MemberView; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [role, setRole] = createSignal<TeamRole>(props.member.role);
  const [busy, setBusy] = createSignal(false);
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { member } = await api("PATCH /api/team/members/:userId", {
        params: { userId: props.member.userId },
        body: { role: role() },
      });
      toast(
        t("team.roleChanged", {
          name: member.name || member.email,
          role: t(`teamRole.${member.role}`),
        }),
        "info",
      );
      props.onChanged();
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline" onSubmit={save}>
      <label>
        <span class="visually-hidden">
          {t("team.roleOf", { name: props.member.name || props.member.email })}
        </span>
        <select value={role()} onChange={(e) => setRole(e.currentTarget.value as TeamRole)}>
          <For each={INVITABLE_ROLES}>
            {(r) => (
              <option value={r} selected={r === role()}>
                {t(`teamRole.${r}`)}
              </option>
            )}
          </For>
        </select>
      </label>
      <button class="button small" type="submit" disabled={busy() || role() === props.member.role}>
        {t("team.changeRole")}
      </button>
    </form>
  );
}
