import { createSignal, type JSX, Show } from "solid-js";
import type { ChannelPut, ChannelView } from "../../../../edge/contract/channels.ts";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { useI18n } from "../../i18n/i18n.tsx";

type Save = (body: ChannelPut) => Promise<boolean>;

// How an admin connects each kind, or changes what it was connected with: Telegram takes a bot
// token, WhatsApp the customer's own Meta app (number id, token, app secret), Slack goes to its
// consent page, email changes the address's part before the @. Secrets are typed into password
// fields and forgotten once saved: the card shows only the masked credential the edge answers.
export function ChannelConnect(props: {
  channel: ChannelView;
  employee: Employee;
  busy: boolean;
  onSave: Save;
}) {
  const { t } = useI18n();
  const c = () => props.channel;
  const stored = () => c().status !== "not_connected";
  return (
    <>
      <Show when={c().kind === "telegram"}>
        <Replace when={stored()} label={t("channels.telegram.replace")}>
          <TelegramForm busy={props.busy} onSave={props.onSave} />
        </Replace>
      </Show>
      <Show when={c().kind === "whatsapp"}>
        <Replace when={stored()} label={t("channels.whatsapp.replace")}>
          <WhatsAppForm busy={props.busy} onSave={props.onSave} />
        </Replace>
      </Show>
      <Show when={c().kind === "slack" && (!stored() || c().status === "pending")}>
        <p class="muted small">{t("channels.slack.help", { name: props.employee.name })}</p>
        <button
          class="button primary channel-slack"
          type="button"
          disabled={props.busy}
          onClick={() => void props.onSave({})}
        >
          {t("channels.slack.add")}
        </button>
      </Show>
      <Show when={c().kind === "email"}>
        <Replace when={true} label={t("channels.email.change")}>
          <EmailForm
            channel={c()}
            employee={props.employee}
            busy={props.busy}
            onSave={props.onSave}
          />
        </Replace>
      </Show>
    </>
  );
}

// Connecting shows the form at once; changing what is saved hides it behind its summary.
function Replace(props: { when: boolean; label: string; children: JSX.Element }) {
  return (
    <Show when={props.when} fallback={props.children}>
      <details class="channel-more">
        <summary>{props.label}</summary>
        {props.children}
      </details>
    </Show>
  );
}

function Secret(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  name: string;
  inputmode?: "numeric";
  plain?: boolean;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.plain ? "text" : "password"}
        inputmode={props.inputmode}
        autocomplete="off"
        spellcheck={false}
        required
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  );
}

function TelegramForm(props: { busy: boolean; onSave: Save }) {
  const { t } = useI18n();
  const [token, setToken] = createSignal("");
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (await props.onSave({ botToken: token().trim() })) setToken("");
  };
  return (
    <form class="channel-form" onSubmit={submit}>
      <p class="muted small">{t("channels.telegram.help")}</p>
      <Secret
        name="botToken"
        label={t("channels.telegram.token")}
        value={token()}
        onInput={setToken}
      />
      <button class="button primary" type="submit" disabled={props.busy || !token().trim()}>
        {t("channels.connect")}
      </button>
    </form>
  );
}

function WhatsAppForm(props: { busy: boolean; onSave: Save }) {
  const { t } = useI18n();
  const [number, setNumber] = createSignal("");
  const [token, setToken] = createSignal("");
  const [secret, setSecret] = createSignal("");
  const ready = () => Boolean(number().trim() && token().trim() && secret().trim());
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const body = {
      phoneNumberId: number().trim(),
      accessToken: token().trim(),
      appSecret: secret().trim(),
    };
    if (await props.onSave(body)) {
      setNumber("");
      setToken("");
      setSecret("");
    }
  };
  return (
    <form class="channel-form" onSubmit={submit}>
      <p class="muted small">{t("channels.whatsapp.help")}</p>
      <Secret
        name="phoneNumberId"
        label={t("channels.whatsapp.number")}
        value={number()}
        onInput={setNumber}
        inputmode="numeric"
        plain
      />
      <Secret
        name="accessToken"
        label={t("channels.whatsapp.token")}
        value={token()}
        onInput={setToken}
      />
      <Secret
        name="appSecret"
        label={t("channels.whatsapp.secret")}
        value={secret()}
        onInput={setSecret}
      />
      <button class="button primary" type="submit" disabled={props.busy || !ready()}>
        {t("channels.connect")}
      </button>
    </form>
  );
}

function EmailForm(props: {
  channel: ChannelView;
  employee: Employee;
  busy: boolean;
  onSave: Save;
}) {
  const { t } = useI18n();
  const [local, setLocal] = createSignal("");
  const domain = () => {
    const at = (props.channel.address ?? "").lastIndexOf("@");
    return at < 0 ? "" : (props.channel.address?.slice(at) ?? "");
  };
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (await props.onSave({ address: local().trim().toLowerCase() })) setLocal("");
  };
  return (
    <form class="channel-form" onSubmit={submit}>
      <div class="field">
        <label for={`channel-address-${props.employee.id}`}>{t("channels.email.local")}</label>
        <span class="channel-address">
          <input
            id={`channel-address-${props.employee.id}`}
            name="address"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={64}
            value={local()}
            onInput={(e) => setLocal(e.currentTarget.value)}
          />
          <span class="muted">{domain()}</span>
        </span>
      </div>
      <p class="muted small">{t("channels.email.changeWarn", { name: props.employee.name })}</p>
      <button class="button" type="submit" disabled={props.busy || !local().trim()}>
        {t("channels.email.change")}
      </button>
    </form>
  );
}
