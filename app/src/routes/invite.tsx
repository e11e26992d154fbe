import { Title } from "@solidjs/meta";
import { A, createAsync, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, Match, Show, Switch } from "solid-js";
import { getRequestEvent, isServer } from "solid-js/web";
import type { Me } from "../../../edge/contract/account.ts";
import type { InvitationPreview } from "../../../edge/contract/team.ts";
import type { MessageKey } from "../i18n/en.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { forgetAfterSignIn, rememberAfterSignIn } from "../lib/after-sign-in.ts";
import { ApiFailure, api } from "../lib/api.ts";
import { formatDate } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { getInvitation, getMe } from "../lib/server.ts";

const tokenOf = (value: string | string[] | undefined) => (typeof value === "string" ? value : "");

export const route = {
  preload: ({ location }: { location: { query: Record<string, string | string[] | undefined> } }) =>
    Promise.all([getInvitation(tokenOf(location.query.token)), getMe()]),
};

type Gone = "link_invalid" | "link_used" | "link_expired";
const GONE: Record<Gone, MessageKey> = {
  link_invalid: "invite.invalid",
  link_used: "invite.used",
  link_expired: "invite.expired",
};
const isGone = (code: string): code is Gone => Object.hasOwn(GONE, code);

// Where an invitation's emailed link lands: which team, who invited, which role. Signed in, the
// Accept button joins; signed out, a sign-in link goes to the invited address and this page is
// remembered, so the visitor comes back here after signing in. Opening the page spends nothing.
export default function Invite() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = () => tokenOf(params.token);
  const found = createAsync(() => getInvitation(token()), { deferStream: true });
  const me = createAsync(() => getMe(), { deferStream: true });
  if (isServer) {
    // The token is in the URL, as on the sign-in confirmation page.
    const headers = getRequestEvent()?.response.headers;
    headers?.set("cache-control", "no-store");
    headers?.set("referrer-policy", "same-origin");
    headers?.set("x-frame-options", "DENY");
    headers?.set("content-security-policy", "frame-ancestors 'none'");
  }
  return (
    <section class="narrow">
      <Title>{t("invite.title")} · InstantWorker</Title>
      <Show when={found()} fallback={<p>{t("common.loading")}</p>}>
        {(f) => {
          const state = f();
          return state.ok ? (
            <Offer preview={state.preview} token={token()} me={me() ?? null} />
          ) : (
            <>
              <h1>{t("invite.title")}</h1>
              <p class="alert" role="alert" data-state={state.reason}>
                {t(GONE[state.reason])}
              </p>
              <p>
                <A class="button" href={me() ? "/dashboard" : "/sign-in"}>
                  {me() ? t("workspace.back") : t("invite.toSignIn")}
                </A>
              </p>
            </>
          );
        }}
      </Show>
    </section>
  );
}

function Offer(props: { preview: InvitationPreview; token: string; me: Me | null }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const p = () => props.preview;
  const role = () => t(`teamRole.${p().role}`);
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      await api("POST /api/invitation/accept", { body: { token: props.token } });
      forgetAfterSignIn();
      // The session now acts in the team: a fresh load, so the header and every list are its.
      location.assign("/dashboard");
    } catch (err) {
      // Spent or expired since the page was opened: said as an invitation, not a sign-in link.
      const code = err instanceof ApiFailure ? err.code : "";
      setError(isGone(code) ? t(GONE[code]) : apiMessage(err, t, lang));
      setBusy(false);
    }
  };
  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      rememberAfterSignIn(`/invite?token=${encodeURIComponent(props.token)}`);
      await api("POST /api/auth/magic-link", { body: { email: p().email } });
      navigate(`/sign-in/check-email?email=${encodeURIComponent(p().email)}`);
    } catch (err) {
      setError(apiMessage(err, t, lang));
      setBusy(false);
    }
  };
  return (
    <>
      <h1>{t("invite.heading", { team: p().accountName })}</h1>
      <p data-testid="invite-lead">
        {p().invitedBy
          ? t("invite.lead", { by: p().invitedBy ?? "", team: p().accountName, role: role() })
          : t("invite.leadNoBy", { team: p().accountName, role: role() })}
      </p>
      <p class="muted">
        {t("invite.for", { email: p().email, date: formatDate(p().expiresAt, lang) })}
      </p>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <Switch>
        <Match when={props.me}>
          {(me) => (
            <>
              <Show when={me().user.email.toLowerCase() !== p().email.toLowerCase()}>
                <p class="notice">
                  {t("invite.otherEmail", { email: me().user.email, invited: p().email })}
                </p>
              </Show>
              <div class="actions">
                <button class="button primary" type="button" disabled={busy()} onClick={accept}>
                  {busy() ? t("invite.accepting") : t("invite.accept", { team: p().accountName })}
                </button>
              </div>
            </>
          )}
        </Match>
        <Match when={!props.me}>
          <p>{t("invite.signInLead", { email: p().email })}</p>
          <div class="actions">
            <button class="button primary" type="button" disabled={busy()} onClick={signIn}>
              {busy() ? t("signIn.sending") : t("invite.signInButton", { email: p().email })}
            </button>
          </div>
        </Match>
      </Switch>
    </>
  );
}
