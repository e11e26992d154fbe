import { Title } from "@solidjs/meta";
import { createAsync, useNavigate } from "@solidjs/router";
import { Show } from "solid-js";
import { toast } from "../components/toasts.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure, api } from "../lib/api.ts";
import { apiMessage } from "../lib/messages.ts";
import { requireMe } from "../lib/server.ts";

export const route = { preload: () => requireMe() };
const DAY_MS = 24 * 3600 * 1000;

export default function Account() {
  const { t, tn, lang } = useI18n();
  const navigate = useNavigate();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const daysLeft = () =>
    Math.max(0, Math.ceil((Date.parse(me()?.trialEndsAt ?? "") - Date.now()) / DAY_MS));
  // Billing endpoints arrive with the billing issue; until then the buttons say so plainly.
  const billing = async (path: string) => {
    try {
      const { url } = await api<{ url: string }>(path, {
        method: "POST",
        json: path.endsWith("checkout") ? { plan: "pro" } : undefined,
      });
      location.href = url;
    } catch (err) {
      toast(
        err instanceof ApiFailure && err.status === 404
          ? t("account.billingOff")
          : apiMessage(err, t, lang),
      );
    }
  };
  const signOut = async () => {
    await api("/api/auth/logout", { method: "POST" }).catch(() => undefined);
    navigate("/", { replace: true });
    location.reload();
  };
  return (
    <section class="narrow">
      <Title>{t("account.title")} · InstantWorker</Title>
      <h1>{t("account.title")}</h1>
      <Show when={me()}>
        {(m) => (
          <>
            <p>{m().user.email}</p>
            <h2>{t("account.plan")}</h2>
            <p data-testid="plan">{m().plan}</p>
            <Show when={m().plan === "trial"}>
              <p>{daysLeft() > 0 ? tn("account.trialLeft", daysLeft()) : t("account.trialOver")}</p>
            </Show>
            <div class="actions">
              <button
                class="button primary"
                type="button"
                onClick={() => billing("/api/billing/checkout")}
              >
                {t("account.upgrade")}
              </button>
              <button class="button" type="button" onClick={() => billing("/api/billing/portal")}>
                {t("account.manage")}
              </button>
            </div>
            <p>
              <button class="button" type="button" onClick={signOut}>
                {t("account.signOut")}
              </button>
            </p>
          </>
        )}
      </Show>
    </section>
  );
}
