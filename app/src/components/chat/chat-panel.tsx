import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import type { ChatAttachmentView, ChatState } from "../../../../edge/contract/chat.ts";
import type { Employee, EmployeeStatus } from "../../../../edge/contract/employee.ts";
import type { TeamRole } from "../../../../edge/contract/team.ts";
import { chatSuggestions } from "../../i18n/chat-suggestions.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { createChatStore } from "../../lib/chat-store.ts";
import { type Uploader, uploadAttachment } from "../../lib/chat-upload.ts";
import type { ChatFeed } from "../../lib/live.ts";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import { ChatNotice } from "./chat-notice.tsx";
import { Composer } from "./composer.tsx";
import { ConversationList } from "./conversation-list.tsx";
import { MessageList } from "./message-list.tsx";
import "../../styles/chat.css";
import "../../i18n/workspace-texts.ts";

/** Below this width the conversation list turns into a select (phones). */
export const NARROW_QUERY = "(max-width: 40rem)";

// Until the edge says (GET …/conversations, chat.readiness frames), the employee's status tells.
const STATE_OF: Partial<Record<EmployeeStatus, ChatState>> = {
  running: "ready",
  provisioning: "starting",
  restarting: "starting",
  none: "asleep",
  stopping: "asleep",
  stopped: "asleep",
};

// The workspace's chat with one employee: its conversations, the open one's messages streaming
// in over the workspace's live socket, and what to write next. Available whatever the employee's
// status: when it cannot answer, the chat says why and what to do, and messages wait, queued.
export function ChatPanel(props: {
  employee: Employee;
  role: TeamRole;
  /** The signed-in person's name, shown on a message until the edge has stored it. */
  author: string;
  feed: ChatFeed;
  onEmployeeChange: (e: Employee) => void;
  upload?: Uploader;
  /** The conversation to open first (a link to it), instead of the latest. */
  conversation?: string | undefined;
}) {
  const { t, lang } = useI18n();
  const store = createChatStore({
    api: useApi(),
    employeeId: props.employee.id,
    author: props.author,
    ...(props.conversation ? { open: props.conversation } : {}),
  });
  const [text, setText] = createSignal("");
  const [narrow, setNarrow] = createSignal(false);
  let input: HTMLTextAreaElement | undefined;

  onMount(() => {
    const off = props.feed.listen(store.apply);
    onCleanup(off);
    void store.load();
    const media = window.matchMedia?.(NARROW_QUERY);
    if (media) {
      setNarrow(media.matches);
      const change = (e: MediaQueryListEvent) => setNarrow(e.matches);
      media.addEventListener("change", change);
      onCleanup(() => media.removeEventListener("change", change));
    }
  });
  // Frames were missed while the socket was away; the employee's status moved the readiness.
  createEffect(on(props.feed.reconnects, () => void store.refresh(), { defer: true }));
  createEffect(
    on(
      () => props.employee.status,
      () => void store.refresh(),
      { defer: true },
    ),
  );

  // A channel's conversation is read here and answered in its channel: no composer.
  const channel = () => store.open()?.channel;

  const state = (): ChatState =>
    store.readiness()?.state ?? STATE_OF[props.employee.status] ?? "unavailable";

  const send = (body: string, attachments: ChatAttachmentView[]) => {
    // Only a conversation that could not be made fails here: the text goes back to the composer.
    store.send(body, attachments).catch((err: unknown) => {
      if (!text()) setText(body);
      toast(apiMessage(err, t, lang));
    });
    input?.focus();
  };
  const stop = async () => {
    try {
      await store.stop();
    } catch (err) {
      toast(apiMessage(err, t, lang) || t("chat.stopFailed"));
    }
  };
  const newConversation = async () => {
    try {
      await store.newConversation();
      input?.focus();
    } catch (err) {
      toast(apiMessage(err, t, lang));
    }
  };
  const suggest = (suggestion: string) => {
    setText(suggestion);
    input?.focus();
  };

  return (
    <div class="chat" classList={{ "chat-narrow": narrow() }} data-state={state()}>
      <ConversationList
        conversations={store.conversations()}
        openId={store.openId()}
        narrow={narrow()}
        onSelect={(id) => void store.select(id)}
        onNew={newConversation}
      />
      <section class="chat-main" aria-label={t("workspace.chat")}>
        <ChatNotice
          state={state()}
          lost={props.feed.lost()}
          employee={props.employee}
          role={props.role}
          onEmployeeChange={props.onEmployeeChange}
          onReconnect={props.feed.retry}
        />
        <Show when={store.loadError()}>
          {(err) => (
            <div class="chat-notice" role="alert" data-state="load-failed">
              <p>
                {t("chat.loadFailed")} {apiMessage(err(), t, lang)}
              </p>
              <button type="button" class="button small" onClick={() => void store.load()}>
                {t("chat.tryAgain")}
              </button>
            </div>
          )}
        </Show>
        <Show
          when={!store.loaded() || store.messages().length > 0}
          fallback={
            <div class="chat-empty">
              <h2>{t("chat.empty.title", { name: props.employee.name })}</h2>
              <p class="muted">{t("chat.empty.text")}</p>
              <ul class="chat-suggestions">
                <For each={chatSuggestions(lang, props.employee.role)}>
                  {(suggestion) => (
                    <li>
                      <button type="button" class="button" onClick={() => suggest(suggestion)}>
                        {suggestion}
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </div>
          }
        >
          <Show when={store.loaded()} fallback={<p class="chat-loading">{t("common.loading")}</p>}>
            <MessageList
              messages={store.messages()}
              employeeName={props.employee.name}
              hasEarlier={store.hasEarlier()}
              onLoadEarlier={store.loadEarlier}
              onRetry={(m) => void store.retry(m)}
            />
          </Show>
        </Show>
        <Show when={channel()}>
          {(c) => (
            <p class="chat-read-only" data-testid="chat-read-only">
              {t("chat.channel.readOnly", {
                kind: t(`channel.kind.${c().kind}`),
                name: props.employee.name,
              })}
            </p>
          )}
        </Show>
        {/* Hidden, not removed, while a channel's conversation is open: a draft and its uploads
            wait for the web conversation they were meant for. */}
        <div class="chat-composer-slot" hidden={channel() !== undefined}>
          <Composer
            employeeId={props.employee.id}
            employeeName={props.employee.name}
            text={text()}
            onText={setText}
            busy={store.busy()}
            onSend={send}
            onStop={stop}
            upload={props.upload ?? uploadAttachment}
            ref={(el) => {
              input = el;
            }}
          />
        </div>
      </section>
    </div>
  );
}
