import { Title } from "@solidjs/meta";
import { useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import type { MessageKey } from "../../i18n/en.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import { apiMessage } from "../../lib/messages.ts";

const KNOWN_ERRORS = new Set([
  "link_invalid",
  "link_used",
  "link_expired",
  "google_state_mismatch",
  "google_denied",
  "google_failed",
  "google_email_unverified",
]);

export default function SignIn() {
  const { t, lang } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const linkError = () => {
    const code = typeof params.error === "string" ? params.error : "";
    return KNOWN_ERRORS.has(code)
      ? t(`error.${code}` as MessageKey)
      : code
        ? t("error.generic")
        : null;
  };
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST /api/auth/magic-link", { body: { email: email().trim() } });
      navigate(`/sign-in/check-email?email=${encodeURIComponent(email().trim())}`);
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.code === "invalid_input"
          ? t("signIn.invalidEmail")
          : apiMessage(err, t, lang),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="narrow">
      <Title>{t("signIn.title")} · InstantWorker</Title>
      <h1>{t("signIn.title")}</h1>
      <p>{t("signIn.lead")}</p>
      <Show when={linkError()}>
        <p class="alert" role="alert">
          {linkError()}
        </p>
      </Show>
      <form onSubmit={submit} novalidate>
        <label class="field">
          <span>{t("signIn.email")}</span>
          <input
            type="email"
            name="email"
            autocomplete="email"
            required
            value={email()}
            onInput={(e) => setEmail(e.currentTarget.value)}
            aria-invalid={error() ? "true" : undefined}
            aria-describedby={error() ? "email-error" : undefined}
          />
        </label>
        <Show when={error()}>
          <p id="email-error" class="field-error" role="alert">
            {error()}
          </p>
        </Show>
        <button class="button primary" type="submit" disabled={busy()}>
          {busy() ? t("signIn.sending") : t("signIn.send")}
        </button>
      </form>
      <p class="or">{t("signIn.or")}</p>
      <a class="button" href="/api/auth/google" rel="external">
        {t("signIn.google")}
      </a>
    </section>
  );
}
