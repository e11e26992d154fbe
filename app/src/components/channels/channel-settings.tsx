import { createSignal, For, Show } from "solid-js";
import type {
  ChannelPolicy,
  ChannelSettingsPatch,
  ChannelView,
} from "../../../../edge/contract/channels.ts";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { kindName, NOTICE_CHOICES, noticeLabel } from "./channel-text.ts";

// A channel's settings: after how long the sender hears "answering shortly" (or never), who may
// write (the team's members, the default, or anyone: said with what it costs before it is saved
// and on the card while it holds), and for Slack whether this employee takes the workspace's
// messages that name nobody. Saved together; the card shows what the edge answers.
export function ChannelSettingsForm(props: {
  channel: ChannelView;
  employee: Employee;
  busy: boolean;
  onSave: (settings: ChannelSettingsPatch) => Promise<boolean>;
}) {
  const { t } = useI18n();
  const saved = () => props.channel.settings;
  const [notice, setNotice] = createSignal<number | null>(saved().noticeAfterSeconds);
  const [policy, setPolicy] = createSignal<ChannelPolicy>(saved().policy);
  const [isDefault, setIsDefault] = createSignal(saved().isDefault === true);
  const kind = () => props.channel.kind;
  const name = () => props.employee.name;
  const id = (what: string) => `channel-${kind()}-${what}`;
  const choices = () => {
    const current = saved().noticeAfterSeconds;
    return NOTICE_CHOICES.includes(current) ? NOTICE_CHOICES : [current, ...NOTICE_CHOICES];
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void props.onSave({
      noticeAfterSeconds: notice(),
      policy: policy(),
      // Sent only when changed: making one employee the default un-makes the one before.
      ...(kind() === "slack" && isDefault() !== (saved().isDefault === true)
        ? { isDefault: isDefault() }
        : {}),
    });
  };
  return (
    <details class="channel-more">
      <summary>{t("channels.settings")}</summary>
      <form class="channel-form" onSubmit={submit}>
        <label class="field">
          <span>{t("channels.notice")}</span>
          <select
            name="noticeAfterSeconds"
            aria-describedby={id("notice-help")}
            onChange={(e) =>
              setNotice(e.currentTarget.value ? Number(e.currentTarget.value) : null)
            }
          >
            <For each={choices()}>
              {(s) => (
                <option value={s ?? ""} selected={s === notice()}>
                  {noticeLabel(s, t)}
                </option>
              )}
            </For>
          </select>
        </label>
        <p class="muted small" id={id("notice-help")}>
          {t("channels.notice.help", { name: name() })}
        </p>
        <fieldset class="choices channel-policy">
          <legend>{t("channels.policy")}</legend>
          <label class="choice">
            <input
              type="radio"
              name={id("policy")}
              value="members"
              checked={policy() === "members"}
              onChange={() => setPolicy("members")}
            />
            <span>
              {t("channels.policy.members")}
              <small>{t("channels.policy.membersHelp")}</small>
            </span>
          </label>
          <label class="choice">
            <input
              type="radio"
              name={id("policy")}
              value="anyone"
              checked={policy() === "anyone"}
              onChange={() => setPolicy("anyone")}
            />
            <span>{t("channels.policy.anyone")}</span>
          </label>
        </fieldset>
        <Show when={policy() === "anyone"}>
          <p class="notice" data-tone="danger" role="alert" data-testid="channel-anyone-warning">
            {t("channels.policy.warning", { kind: kindName(kind(), t), name: name() })}
          </p>
        </Show>
        <Show when={kind() === "slack"}>
          <label class="channel-check">
            <input
              type="checkbox"
              checked={isDefault()}
              onChange={(e) => setIsDefault(e.currentTarget.checked)}
            />
            <span>{t("channels.slack.default", { name: name() })}</span>
          </label>
        </Show>
        <button class="button" type="submit" disabled={props.busy}>
          {t("channels.save")}
        </button>
      </form>
    </details>
  );
}
