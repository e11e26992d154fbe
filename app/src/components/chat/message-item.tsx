import { For, Match, Show, Switch } from "solid-js";
import type { ChatMessage } from "../../../../edge/contract/chat.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { isEnded } from "../../lib/chat-store.ts";
import { formatDateTime, formatSize } from "../../lib/format.ts";
import { markdownRenderer } from "../../lib/markdown.ts";
import { chatErrorText } from "./chat-error.ts";
import { ToolSteps } from "./tool-steps.tsx";
import "../../i18n/workspace-texts.ts";

// One message: a person's as they wrote it (plain text), the employee's as safe markdown
// (lib/markdown.ts), updating in place while it streams, with what it did and, when it failed,
// why and a way to try again.
export function MessageItem(props: {
  message: ChatMessage;
  employeeName: string;
  onRetry: (m: ChatMessage) => void;
}) {
  const { t, lang } = useI18n();
  const m = () => props.message;
  const mine = () => m().role === "person";
  // In a team several people write to one employee: each message names its writer.
  const author = () => (mine() ? (m().author ?? t("chat.you")) : props.employeeName);
  const writing = () => !mine() && !isEnded(m());
  return (
    <li
      class={`chat-message chat-${m().role}`}
      data-id={m().id}
      data-status={m().status}
      aria-busy={writing()}
    >
      <header class="chat-meta">
        <strong>{author()}</strong>
        <time datetime={m().createdAt} class="muted small">
          {formatDateTime(m().createdAt, lang)}
        </time>
      </header>
      <Show when={!mine()}>
        <ToolSteps steps={m().tools} busy={writing()} />
      </Show>
      <Show when={!mine()} fallback={<p class="chat-text chat-plain">{m().text}</p>}>
        <Show when={m().text}>
          <Show when={markdownRenderer()} fallback={<p class="chat-text chat-plain">{m().text}</p>}>
            {(render) => (
              // markdown-it with html:false: every tag the model writes arrives as text.
              <div class="chat-text chat-markdown" innerHTML={render()(m().text)} />
            )}
          </Show>
        </Show>
      </Show>
      <Show when={m().attachments.length > 0}>
        <ul class="chat-chips" aria-label={t("chat.attach")}>
          <For each={m().attachments}>
            {(a) => (
              <li class="chat-chip">
                <span>{a.name}</span> <span class="muted small">{formatSize(a.size)}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Switch>
        <Match when={writing()}>
          <p class="chat-typing muted small">
            <span class="chat-dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>{" "}
            {m().status === "streaming"
              ? t("chat.typing", { name: props.employeeName })
              : t(m().status === "sending" ? "chat.sending" : "chat.queued")}
          </p>
        </Match>
        <Match when={mine() && m().status === "queued"}>
          <p class="muted small">{t("chat.queued")}</p>
        </Match>
        <Match when={mine() && m().status === "sending"}>
          <p class="muted small">{t("chat.sending")}</p>
        </Match>
        <Match when={m().status === "aborted"}>
          <p class="muted small">{t("chat.aborted")}</p>
        </Match>
        <Match when={m().status === "failed"}>
          <div class="chat-failed" role="alert">
            <p>
              {(() => {
                const reason = chatErrorText(
                  m().error ?? { code: "other", message: "" },
                  props.employeeName,
                  t,
                  lang,
                );
                return mine() ? t("chat.notSent", { reason }) : reason;
              })()}
            </p>
            <button type="button" class="button small" onClick={() => props.onRetry(m())}>
              {t("chat.tryAgain")}
            </button>
            {/* The engine's own words (a provider's error), for whoever troubleshoots. */}
            <Show when={!mine() && m().error?.message}>
              {(detail) => (
                <details class="chat-error-detail small">
                  <summary>{t("reason.details")}</summary>
                  <p lang="en">{detail()}</p>
                </details>
              )}
            </Show>
          </div>
        </Match>
      </Switch>
      <Show when={m().truncated}>
        <p class="muted small">{t("chat.truncated")}</p>
      </Show>
    </li>
  );
}
