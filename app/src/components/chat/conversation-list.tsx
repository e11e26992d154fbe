import { For, Show } from "solid-js";
import type { Conversation } from "../../../../edge/contract/chat.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatDateTime } from "../../lib/format.ts";
import "../../i18n/workspace-texts.ts";

// The employee's conversations, newest first, and "New conversation". Wide, a list beside the
// messages; narrow (a phone), a select above them, so the messages keep the screen.
export function ConversationList(props: {
  conversations: Conversation[];
  openId: string | null;
  narrow: boolean;
  onSelect: (id: string) => void;
  onNew: () => void;
}) {
  const { t, lang } = useI18n();
  const title = (c: Conversation) => c.title || t("chat.untitled");
  // A channel's conversation says where it is and with whom (it is read here, answered there).
  // The peer can be unknown (""): the kind alone then.
  const channelOf = (c: Conversation) => {
    if (!c.channel) return null;
    const kind = t(`channel.kind.${c.channel.kind}`);
    return c.channel.peer ? t("chat.channel.with", { kind, peer: c.channel.peer }) : kind;
  };
  const newButton = () => (
    <button type="button" class="button small chat-new" onClick={() => props.onNew()}>
      + {t("chat.new")}
    </button>
  );
  return (
    <Show
      when={!props.narrow}
      fallback={
        <div class="chat-conversations-narrow">
          <Show when={props.conversations.length > 0}>
            <label class="chat-pick">
              <span class="visually-hidden">{t("chat.pick")}</span>
              <select
                value={props.openId ?? ""}
                onChange={(e) => props.onSelect(e.currentTarget.value)}
              >
                <For each={props.conversations}>
                  {(c) => (
                    <option value={c.id} selected={c.id === props.openId}>
                      {channelOf(c) ? `${title(c)} (${channelOf(c)})` : title(c)}
                    </option>
                  )}
                </For>
              </select>
            </label>
          </Show>
          {newButton()}
        </div>
      }
    >
      <nav class="chat-conversations" aria-label={t("chat.conversations")}>
        {newButton()}
        <ul>
          <For each={props.conversations}>
            {(c) => (
              <li>
                <button
                  type="button"
                  class="chat-conversation"
                  aria-current={c.id === props.openId ? "true" : undefined}
                  onClick={() => props.onSelect(c.id)}
                >
                  <span class="chat-conversation-title">{title(c)}</span>
                  <Show when={channelOf(c)}>
                    {(where) => (
                      <span
                        class="badge chat-channel"
                        data-channel={c.channel?.kind}
                        data-testid="conversation-channel"
                      >
                        {where()}
                      </span>
                    )}
                  </Show>
                  <span class="muted small">
                    <Show when={c.busy}>
                      <span class="spinner" aria-hidden="true" />{" "}
                    </Show>
                    {formatDateTime(c.updatedAt, lang)}
                  </span>
                </button>
              </li>
            )}
          </For>
        </ul>
      </nav>
    </Show>
  );
}
