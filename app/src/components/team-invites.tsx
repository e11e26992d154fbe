import { createSignal, For, Show } from "solid-js";
import {
  INVITABLE_ROLES,
  type InvitationView,
  type TeamRole,
} from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure } from "../lib/api.ts";
import { useApi } from "../lib/api-context.tsx";
import { formatDate } from "../lib/format.ts";
import type { Load } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { LoadState } from "./load-state.tsx";
import { toast } from "./toasts.tsx";

type InvitableRole = (typeof INVITABLE_ROLES)[number];

// Admins and the owner invite by email; the edge mails a link (7 days, single use).
export function InviteForm(props: { onInvited: () => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [email, setEmail] = createSignal("");
  const [role, setRole] = createSignal<InvitableRole>("member");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const address = email().trim();
    setBusy(true);
    setError(null);
    try {
      const { invite } = await api("POST /api/team/invites", {
        body: { email: address, role: role() },
      });
      toast(t("team.invited", { email: invite.email }), "info");
      setEmail("");
      props.onInvited();
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.code === "invalid_input"
          ? t("signIn.invalidEmail")
          : err instanceof ApiFailure && err.code === "invalid_state"
            ? t("team.inviteConflict", { email: address })
            : apiMessage(err, t, lang),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="invite-form" onSubmit={submit} novalidate>
      <label class="field">
        <span>{t("team.inviteEmail")}</span>
        <input
          type="email"
          name="email"
          autocomplete="off"
          required
          value={email()}
          onInput={(e) => setEmail(e.currentTarget.value)}
          aria-invalid={error() ? "true" : undefined}
          aria-describedby={error() ? "invite-error" : undefined}
        />
      </label>
      <label class="field">
        <span>{t("team.inviteRole")}</span>
        <select
          name="role"
          value={role()}
          onChange={(e) => setRole(e.currentTarget.value as InvitableRole)}
        >
          <For each={INVITABLE_ROLES}>
            {(r) => (
              <option value={r} selected={r === role()}>
                {t(`teamRole.${r}`)}
              </option>
            )}
          </For>
        </select>
      </label>
      <Show when={error()}>
        <p id="invite-error" class="field-error" role="alert">
          {error()}
        </p>
      </Show>
      <button class="button primary" type="submit" disabled={busy() || !email().trim()}>
        {busy() ? t("team.inviteSending") : t("team.inviteSend")}
      </button>
    </form>
  );
}

export function InviteList(props: {
  load: Load<InvitationView[]>;
  onRetry: () => void;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [revoking, setRevoking] = createSignal<InvitationView | null>(null);
  const role = (r: TeamRole) => t(`teamRole.${r}`);
  const revoke = async (invite: InvitationView): Promise<boolean> => {
    try {
      await api("DELETE /api/team/invites/:id", { params: { id: invite.id } });
      toast(t("team.revoked", { email: invite.email }), "info");
      props.onChanged();
      return true;
    } catch (err) {
      // Already gone (accepted, revoked by someone else): the list catches up either way.
      toast(apiMessage(err, t, lang));
      props.onChanged();
      return err instanceof ApiFailure && err.status === 404;
    }
  };
  return (
    <>
      <LoadState load={props.load} empty={t("team.invitesEmpty")} onRetry={props.onRetry}>
        {(invites) => (
          <ul class="people" aria-label={t("team.invites")}>
            <For each={invites}>
              {(i) => (
                <li class="person" data-invite={i.email}>
                  <div class="person-who">
                    <strong>{i.email}</strong>
                    <span class="muted small">
                      {i.invitedBy
                        ? t("team.inviteMeta", {
                            role: role(i.role),
                            by: i.invitedBy,
                            date: formatDate(i.expiresAt, lang),
                          })
                        : t("team.inviteMetaNoBy", {
                            role: role(i.role),
                            date: formatDate(i.expiresAt, lang),
                          })}
                    </span>
                  </div>
                  <div class="person-actions">
                    <button
                      class="button small danger"
                      type="button"
                      aria-label={t("team.revokeOf", { email: i.email })}
                      onClick={() => setRevoking(i)}
                    >
                      {t("team.revoke")}
                    </button>
                  </div>
                </li>
              )}
            </For>
          </ul>
        )}
      </LoadState>
      <Show when={revoking()}>
        {(i) => (
          <ConfirmDialog
            title={t("team.revokeTitle")}
            confirmLabel={t("team.revoke")}
            onConfirm={() => revoke(i())}
            onClose={() => setRevoking(null)}
          >
            <p>{t("team.revokeConfirm", { email: i().email })}</p>
          </ConfirmDialog>
        )}
      </Show>
    </>
  );
}
