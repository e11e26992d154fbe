import { createSignal, Show } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure } from "../lib/api.ts";
import { useApi } from "../lib/api-context.tsx";
import { formatDate } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { toast } from "./toasts.tsx";

// The owner's name for the account (shown in the switcher, invitations, the audit log).
export function RenameAccount(props: { name: string; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [name, setName] = createSignal(props.name);
  const [busy, setBusy] = createSignal(false);
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { account } = await api("PATCH /api/account", { body: { name: name().trim() } });
      toast(t("account.renamed", { name: account.name }), "info");
      props.onChanged();
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-field" onSubmit={save}>
      <label class="field">
        <span>{t("account.teamName")}</span>
        <input
          name="name"
          maxLength={80}
          required
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <button
        class="button"
        type="submit"
        disabled={busy() || !name().trim() || name().trim() === props.name}
      >
        {t("account.rename")}
      </button>
    </form>
  );
}

// Deleting asks for the account's name to be typed, says what goes and when, and leaves 7 days
// to change one's mind (the banner at the top of every page offers Cancel).
export function DeleteAccount(props: {
  name: string;
  scheduledFor: string | null;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [asking, setAsking] = createSignal(false);
  const [typed, setTyped] = createSignal("");
  const remove = async (): Promise<boolean> => {
    try {
      await api("DELETE /api/account");
      props.onChanged();
      return true;
    } catch (err) {
      // 409: already scheduled (another tab, another owner's session): the page catches up.
      if (err instanceof ApiFailure && err.code === "invalid_state") {
        props.onChanged();
        return true;
      }
      toast(apiMessage(err, t, lang));
      return false;
    }
  };
  return (
    <section class="card block danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">{t("delete.title")}</h2>
      <p class="muted">{t("delete.text")}</p>
      <Show
        when={!props.scheduledFor}
        fallback={
          <p class="alert" data-testid="deletion-scheduled">
            {t("delete.scheduled", {
              team: props.name,
              date: formatDate(props.scheduledFor, lang),
            })}
          </p>
        }
      >
        <button
          class="button danger"
          type="button"
          onClick={() => {
            setTyped("");
            setAsking(true);
          }}
        >
          {t("delete.button", { team: props.name })}
        </button>
      </Show>
      <Show when={asking()}>
        <ConfirmDialog
          title={t("delete.dialogTitle", { team: props.name })}
          confirmLabel={t("delete.confirm")}
          ready={typed().trim() === props.name}
          onConfirm={remove}
          onClose={() => setAsking(false)}
        >
          <p>{t("delete.text")}</p>
          <label class="field">
            <span>{t("delete.typeName", { team: props.name })}</span>
            <input
              name="confirm-name"
              autocomplete="off"
              value={typed()}
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
          </label>
        </ConfirmDialog>
      </Show>
    </section>
  );
}
