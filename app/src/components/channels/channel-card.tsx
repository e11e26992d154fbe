import { createSignal, For, Show } from "solid-js";
import type { ChannelPut, ChannelView } from "../../../../edge/contract/channels.ts";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import type { ChannelStore } from "../../lib/channels.ts";
import { formatDate } from "../../lib/format.ts";
import { ConfirmDialog } from "../confirm-dialog.tsx";
import { toast } from "../toasts.tsx";
import { ChannelConnect } from "./channel-connect.tsx";
import { ChannelSettingsForm } from "./channel-settings.tsx";
import { channelError, kindName, STATUS_TONE } from "./channel-text.ts";

/** What a card's forms call: the action runs, a failure is said on the card, true when it worked. */
export type Act = (action: () => Promise<void>) => Promise<boolean>;

// One channel of the employee: its state (connected, not working with the provider's own reason,
// paused, waiting for Slack's consent, not connected), what it is reached by, the saved
// credential (masked: the edge never sends more), and for admins the ways to connect it, test it,
// pause or resume it, change its settings and remove it (after asking). Email cannot be removed:
// every employee keeps an address, which is paused instead.
export function ChannelCard(props: {
  channel: ChannelView;
  employee: Employee;
  manages: boolean;
  store: ChannelStore;
  /** Where "Add to Slack" goes (the browser leaves for Slack's consent page). */
  go: (url: string) => void;
}) {
  const { t, lang } = useI18n();
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const [asking, setAsking] = createSignal(false);
  const c = () => props.channel;
  const kind = () => c().kind;
  const name = () => props.employee.name;
  const kindText = () => kindName(kind(), t);
  const stored = () => c().status !== "not_connected";

  const act: Act = async (action) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const save = (body: ChannelPut, said?: string) =>
    act(async () => {
      const answer = await props.store.save(kind(), body);
      if (answer.authorizeUrl) props.go(answer.authorizeUrl);
      else if (said) toast(said, "info");
    });
  const test = () =>
    act(async () => {
      const after = await props.store.test(kind());
      toast(
        t(after.status === "connected" ? "channels.testOk" : "channels.testFailed", {
          kind: kindText(),
        }),
        after.status === "connected" ? "info" : "error",
      );
    });
  const remove = () =>
    act(async () => {
      await props.store.remove(kind());
      toast(t("channels.removed", { kind: kindText() }), "info");
    });

  return (
    <article
      class="card channel"
      aria-labelledby={`channel-${kind()}`}
      data-channel={kind()}
      data-status={c().status}
    >
      <header class="channel-head">
        <h3 id={`channel-${kind()}`}>{kindText()}</h3>
        <span class="badge" data-tone={STATUS_TONE[c().status]} data-testid="channel-status">
          {t(`channels.status.${c().status}`)}
        </span>
      </header>
      <Show when={c().address ?? c().display}>
        {(shown) => (
          <p class="channel-display">
            <strong>{shown()}</strong>
          </p>
        )}
      </Show>
      <Show when={c().statusReason}>
        {(reason) => (
          <p class="channel-reason" data-testid="channel-reason">
            {t("channels.reason", { reason: reason() })}
          </p>
        )}
      </Show>
      <Show when={c().status === "pending" && kind() === "slack"}>
        <p class="muted">{t("channels.slack.pending")}</p>
      </Show>
      <Show when={c().paused}>
        <p class="notice" data-tone="warning">
          {t("channels.pausedText", { name: name() })}
        </p>
      </Show>
      <Show when={stored() && c().settings.policy === "anyone"}>
        <p class="notice" data-tone="warning" data-testid="channel-anyone">
          {t("channels.policy.anyoneOn", { name: name() })}
        </p>
      </Show>
      <Show when={c().credential}>
        {(masked) => (
          <dl class="channel-facts">
            <dt>{t("channels.credential")}</dt>
            <dd>
              <code data-testid="channel-credential">{masked()}</code>
            </dd>
          </dl>
        )}
      </Show>
      <Show when={c().connectedAt}>
        {(at) => <p class="muted small">{t("channels.since", { date: formatDate(at(), lang) })}</p>}
      </Show>
      <Show when={c().webhook}>
        {(hook) => (
          <div class="channel-webhook">
            <p>{t("channels.whatsapp.webhook")}</p>
            <Copyable label={t("channels.whatsapp.url")} value={hook().url} />
            <Copyable label={t("channels.whatsapp.verify")} value={hook().verifyToken} />
          </div>
        )}
      </Show>
      <Show when={kind() === "email"}>
        <p class="muted small">{t("channels.email.help", { name: name() })}</p>
      </Show>
      <Show when={error()}>
        {(err) => (
          <div class="alert" role="alert" data-testid="channel-error">
            <For each={channelError(err(), t, lang)}>{(line) => <p>{line}</p>}</For>
          </div>
        )}
      </Show>
      <Show when={props.manages}>
        <ChannelConnect
          channel={c()}
          employee={props.employee}
          busy={busy()}
          onSave={(body) =>
            save(
              body,
              kind() === "email"
                ? t("channels.saved")
                : t("channels.connected", { kind: kindText() }),
            )
          }
        />
        <Show when={stored()}>
          <div class="channel-actions">
            <button
              class="button small"
              type="button"
              disabled={busy()}
              onClick={() => void test()}
            >
              {t("channels.test")}
            </button>
            <button
              class="button small"
              type="button"
              disabled={busy()}
              onClick={() => void save({ paused: !c().paused })}
            >
              {t(c().paused ? "channels.resume" : "channels.pause")}
            </button>
            <Show
              when={kind() !== "email"}
              fallback={<span class="muted small">{t("channels.email.keep")}</span>}
            >
              <button
                class="button small danger"
                type="button"
                disabled={busy()}
                onClick={() => setAsking(true)}
              >
                {t("channels.remove")}
              </button>
            </Show>
          </div>
          <ChannelSettingsForm
            channel={c()}
            employee={props.employee}
            busy={busy()}
            onSave={(settings) => save({ settings }, t("channels.saved"))}
          />
        </Show>
      </Show>
      <Show when={asking()}>
        <ConfirmDialog
          title={t("channels.removeTitle", { kind: kindText(), name: name() })}
          confirmLabel={t("channels.remove")}
          onConfirm={remove}
          onClose={() => setAsking(false)}
        >
          <p>{t("channels.removeText", { display: c().display || kindText(), name: name() })}</p>
        </ConfirmDialog>
      </Show>
    </article>
  );
}

// What is pasted elsewhere (Meta's webhook settings): a read-only field, so it is selected and
// copied whole, on a phone too.
function Copyable(props: { label: string; value: string }) {
  return (
    <label class="field channel-copy">
      <span>{props.label}</span>
      <input
        readOnly
        value={props.value}
        onFocus={(e) => e.currentTarget.select()}
        spellcheck={false}
      />
    </label>
  );
}
