import { createSignal, For, Show } from "solid-js";
import {
  type ChatAttachmentView,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  MAX_MESSAGE_CHARS,
} from "../../../../edge/contract/chat.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import type { Upload, Uploader } from "../../lib/chat-upload.ts";
import { formatSize } from "../../lib/format.ts";
import { apiMessage } from "../../lib/messages.ts";
import "../../i18n/workspace-texts.ts";

interface Pending {
  key: number;
  file: File;
  progress: number;
  upload: Upload;
  done: ChatAttachmentView | null;
}

// Where a message is written. Enter sends, Shift+Enter is a new line (and Enter while an input
// method composes a word is the word's). Files go up as soon as they are chosen, each a chip with
// its progress that can be removed before sending; a file refused (too large, too many, a type
// the edge does not take) is named in the error. While an answer is being written, Stop is there.
export function Composer(props: {
  employeeId: string;
  employeeName: string;
  text: string;
  onText: (text: string) => void;
  busy: boolean;
  onSend: (text: string, attachments: ChatAttachmentView[]) => void;
  onStop: () => void;
  upload: Uploader;
  ref?: (el: HTMLTextAreaElement) => void;
}) {
  const { t, lang } = useI18n();
  const [pending, setPending] = createSignal<Pending[]>([]);
  const [errors, setErrors] = createSignal<string[]>([]);
  let counter = 0;

  const uploading = () => pending().some((p) => !p.done);
  const canSend = () => (props.text.trim() !== "" || pending().length > 0) && !uploading();

  const update = (key: number, patch: Partial<Pending>) =>
    setPending((list) => list.map((p) => (p.key === key ? { ...p, ...patch } : p)));
  const remove = (key: number) => {
    pending()
      .find((p) => p.key === key)
      ?.upload.abort();
    setPending((list) => list.filter((p) => p.key !== key));
  };

  const choose = (files: File[]) => {
    const problems: string[] = [];
    for (const file of files) {
      if (pending().length >= MAX_ATTACHMENTS) {
        problems.push(t("chat.attach.tooMany", { name: file.name, max: MAX_ATTACHMENTS }));
        continue;
      }
      if (file.size > MAX_ATTACHMENT_BYTES) {
        problems.push(
          t("chat.attach.tooBig", { name: file.name, max: formatSize(MAX_ATTACHMENT_BYTES) }),
        );
        continue;
      }
      const key = ++counter;
      // An uploader may report progress before it returns: kept until the chip exists.
      let early = 0;
      const upload = props.upload(props.employeeId, file, (progress) => {
        early = progress;
        update(key, { progress });
      });
      setPending((list) => [...list, { key, file, progress: early, upload, done: null }]);
      upload.done.then(
        (done) => update(key, { done, progress: 1 }),
        (err: unknown) => {
          if (err instanceof DOMException && err.name === "AbortError") return;
          setPending((list) => list.filter((p) => p.key !== key));
          setErrors((list) => [
            ...list,
            t("chat.attach.failed", { name: file.name, reason: apiMessage(err, t, lang) }),
          ]);
        },
      );
    }
    setErrors(problems);
  };

  const send = () => {
    if (!canSend()) return;
    const attachments = pending().flatMap((p) => (p.done ? [p.done] : []));
    props.onSend(props.text.trim(), attachments);
    props.onText("");
    setPending([]);
    setErrors([]);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form
      class="chat-composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <Show when={errors().length > 0}>
        <ul class="chat-attach-errors" role="alert">
          <For each={errors()}>{(error) => <li>{error}</li>}</For>
        </ul>
      </Show>
      <Show when={pending().length > 0}>
        <ul class="chat-chips">
          <For each={pending()}>
            {(p) => (
              <li class="chat-chip" data-done={p.done !== null}>
                <span>{p.file.name}</span>
                <Show
                  when={p.done}
                  fallback={
                    <progress
                      max="1"
                      value={p.progress}
                      aria-label={t("chat.attach.progress", { name: p.file.name })}
                    />
                  }
                >
                  <span class="muted small">{formatSize(p.file.size)}</span>
                </Show>
                <button
                  type="button"
                  class="chat-chip-remove"
                  aria-label={t("chat.attach.remove", { name: p.file.name })}
                  onClick={() => remove(p.key)}
                >
                  ×
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="chat-compose-row">
        <label class="chat-attach button" title={t("chat.attach")}>
          <svg
            aria-hidden="true"
            width="18"
            height="18"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
          >
            <path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6" />
          </svg>
          <span class="visually-hidden">{t("chat.attach")}</span>
          <input
            type="file"
            multiple
            class="visually-hidden"
            onChange={(e) => {
              choose([...(e.currentTarget.files ?? [])]);
              e.currentTarget.value = "";
            }}
          />
        </label>
        <label class="chat-input">
          <span class="visually-hidden">
            {t("chat.messageLabel", { name: props.employeeName })}
          </span>
          <textarea
            ref={props.ref}
            rows={2}
            maxLength={MAX_MESSAGE_CHARS}
            placeholder={t("chat.placeholder", { name: props.employeeName })}
            value={props.text}
            onInput={(e) => props.onText(e.currentTarget.value)}
            onKeyDown={onKeyDown}
          />
        </label>
        <Show when={props.busy}>
          <button type="button" class="button" onClick={() => props.onStop()}>
            <span aria-hidden="true">■</span> {t("chat.stop")}
          </button>
        </Show>
        <button class="button primary" type="submit" disabled={!canSend()}>
          {t("chat.send")}
        </button>
      </div>
      <Show when={pending().length > 0}>
        <p class="muted small" aria-live="polite">
          {uploading()
            ? t("chat.attach.wait")
            : t("chat.attach.landed", { name: props.employeeName })}
        </p>
      </Show>
    </form>
  );
}
