import { Title } from "@solidjs/meta";
import { A, useSearchParams } from "@solidjs/router";
import { createSignal, onCleanup, Show } from "solid-js";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import "../../styles/polish.css";

/** Seconds before another link can be asked for: a mail takes a moment, and the edge rate limits. */
export const RESEND_COOLDOWN_S = 30;

export default function CheckEmail() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const email = () => (typeof params.email === "string" ? params.email : "");
  return (
    <section class="narrow">
      <Title>{t("signIn.check.title")} · InstantWorker</Title>
      <h1>{t("signIn.check.title")}</h1>
      <p>{t("signIn.check.text", { email: email() })}</p>
      <Show when={email()}>{(e) => <ResendLink email={e()} />}</Show>
      <p>
        <A href="/sign-in">{t("signIn.check.again")}</A>
      </p>
    </section>
  );
}

// The mail did not come, or the link ran out: the same request again, then a pause with the
// seconds shown, so a worried second press does not send a pile of links.
export function ResendLink(props: { email: string }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const [wait, setWait] = createSignal(0);
  const [said, setSaid] = createSignal<{ ok: boolean; text: string } | null>(null);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => clearInterval(timer);
  onCleanup(stop);
  const coolDown = () => {
    setWait(RESEND_COOLDOWN_S);
    stop();
    timer = setInterval(() => {
      setWait((n) => Math.max(0, n - 1));
      if (wait() === 0) stop();
    }, 1000);
  };
  const resend = async () => {
    setBusy(true);
    setSaid(null);
    try {
      await api("POST /api/auth/magic-link", { body: { email: props.email } });
      setSaid({ ok: true, text: t("signIn.check.resent", { email: props.email }) });
      coolDown();
    } catch (err) {
      setSaid({ ok: false, text: apiMessage(err, t, lang) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="resend">
      <button class="button" type="button" disabled={busy() || wait() > 0} onClick={resend}>
        {busy()
          ? t("signIn.check.resending")
          : wait() > 0
            ? t("signIn.check.wait", { n: wait() })
            : t("signIn.check.resend")}
      </button>
      <Show when={said()}>
        {(s) => (
          <p class={s().ok ? "muted" : "alert"} role={s().ok ? "status" : "alert"}>
            {s().text}
          </p>
        )}
      </Show>
    </div>
  );
}
