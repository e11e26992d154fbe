import { Show } from "solid-js";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { type EmployeeStatus, TRANSITIONAL } from "../lib/types.ts";

export function StatusBadge(props: { status: EmployeeStatus; step?: string | null }) {
  const { t, lang } = useI18n();
  return (
    <span
      class={`badge badge-${props.status}`}
      role="status"
      aria-live="polite"
      data-status={props.status}
    >
      <Show when={TRANSITIONAL.includes(props.status)}>
        <span class="spinner" aria-hidden="true" />
      </Show>
      {t(`status.${props.status}`)}
      <Show when={props.step}>
        <span class="step">
          {" "}
          · {catalogueText(lang, "step", props.step ?? "", { name: props.step ?? "" }).name}
        </span>
      </Show>
    </span>
  );
}
