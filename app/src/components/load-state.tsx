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
  const items = () => (props.load.state === "ready" ? props.load.value : []);
  const error = () => (props.load.state === "error" ? props.load.error : null);
  return (
    <Switch>
      <Match when={props.load.state === "loading"}>
        <Loading />
      </Match>
      <Match when={props.load.state === "error"}>
        <LoadFailed error={error()} onRetry={props.onRetry} />
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

/** Still loading, said as every page says it. */
export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" aria-busy="true" data-state="loading">
      {t("common.loading")}
    </p>
  );
}

/** A failed load in the visitor's words, with a way to try again. */
export function LoadFailed(props: { error: unknown; onRetry: () => void }) {
  const { t, lang } = useI18n();
  return (
    <div class="alert" role="alert" data-state="error">
      <p>{apiMessage(props.error, t, lang)}</p>
      <button class="button small" type="button" onClick={() => props.onRetry()}>
        {t("common.retry")}
      </button>
    </div>
  );
}
