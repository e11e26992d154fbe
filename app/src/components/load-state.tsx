import { type JSX, Match, Switch } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import type { Load } from "../lib/load.ts";
import { apiMessage } from "../lib/messages.ts";

// The three states of a list fetched in the browser, said the same way on every page: loading,
// a failure in the visitor's words with a way to try again, and an empty list.
export function LoadState<T>(props: {
  load: Load<T[]>;
  empty: string;
  onRetry: () => void;
  children: (items: T[]) => JSX.Element;
}) {
  const { t, lang } = useI18n();
  const items = () => (props.load.state === "ready" ? props.load.value : []);
  const error = () => (props.load.state === "error" ? props.load.error : null);
  return (
    <Switch>
      <Match when={props.load.state === "loading"}>
        <p class="muted" aria-busy="true" data-state="loading">
          {t("common.loading")}
        </p>
      </Match>
      <Match when={props.load.state === "error"}>
        <div class="alert" role="alert" data-state="error">
          <p>{apiMessage(error(), t, lang)}</p>
          <button class="button small" type="button" onClick={() => props.onRetry()}>
            {t("common.retry")}
          </button>
        </div>
      </Match>
      <Match when={items().length === 0}>
        <p class="empty" data-state="empty">
          {props.empty}
        </p>
      </Match>
      <Match when={true}>{props.children(items())}</Match>
    </Switch>
  );
}
