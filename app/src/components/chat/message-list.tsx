import { createEffect, createSignal, For, on, Show } from "solid-js";
import type { ChatMessage } from "../../../../edge/contract/chat.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { MessageItem } from "./message-item.tsx";
import "../../i18n/workspace-texts.ts";

/** Within this many pixels of the end counts as "at the bottom". */
export const BOTTOM_SLACK_PX = 48;

// The open conversation's messages, oldest first. It follows new text only while the reader is
// at the bottom (reading back is not interrupted), keeps the reader's place when earlier messages
// are loaded above, and is a polite live log: assistive technology reads a streaming answer once
// it is no longer busy (aria-busy on the message), not every few words.
export function MessageList(props: {
  messages: ChatMessage[];
  employeeName: string;
  hasEarlier: boolean;
  onLoadEarlier: () => Promise<void>;
  onRetry: (m: ChatMessage) => void;
}) {
  const { t } = useI18n();
  let box: HTMLDivElement | undefined;
  const [atBottom, setAtBottom] = createSignal(true);
  const [loadingEarlier, setLoadingEarlier] = createSignal(false);
  const onScroll = () => {
    if (box) setAtBottom(box.scrollHeight - box.scrollTop - box.clientHeight <= BOTTOM_SLACK_PX);
  };
  // What grows the list: a message more, or the newest one's text.
  const tail = () => {
    const last = props.messages.at(-1);
    return `${props.messages.length}:${last?.id}:${last?.text.length}:${last?.status}`;
  };
  createEffect(
    on(tail, () => {
      if (box && atBottom()) box.scrollTop = box.scrollHeight;
    }),
  );
  const loadEarlier = async () => {
    const before = box ? box.scrollHeight - box.scrollTop : 0;
    setLoadingEarlier(true);
    try {
      await props.onLoadEarlier();
    } finally {
      setLoadingEarlier(false);
      if (box) box.scrollTop = box.scrollHeight - before;
    }
  };
  return (
    <div class="chat-scroll" ref={box} onScroll={onScroll} data-at-bottom={atBottom()}>
      <Show when={props.hasEarlier}>
        <p class="chat-earlier">
          <button
            type="button"
            class="button small"
            disabled={loadingEarlier()}
            onClick={loadEarlier}
          >
            {loadingEarlier() ? t("common.loading") : t("chat.loadEarlier")}
          </button>
        </p>
      </Show>
      {/* The log wraps the list: a role on the <ol> itself would unmake it a list for its items. */}
      <div role="log" aria-live="polite" aria-label={t("workspace.chat")}>
        <ol class="chat-messages">
          <For each={props.messages}>
            {(m) => (
              <MessageItem message={m} employeeName={props.employeeName} onRetry={props.onRetry} />
            )}
          </For>
        </ol>
      </div>
    </div>
  );
}
