import { Show } from "solid-js";
import { type EmployeeStatus, IN_PROGRESS_STATUSES } from "../../../edge/contract/employee.ts";
import { STEP_TEXT, type StepId } from "../../../edge/contract/steps.ts";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";

// The status, and the step in progress when it says more: the steps named after their status
// ("Restarting · Restarting", "Stopping · Stopping") said the same thing twice, to screen
// readers too, the badge being live.
export function StatusBadge(props: { status: EmployeeStatus; step?: StepId | null }) {
  const { t, lang } = useI18n();
  const step = () => {
    const id = props.step;
    if (!id || id === props.status) return null;
    return catalogueText(lang, "step", id, { name: STEP_TEXT[id] }).name;
  };
  return (
    <span
      class={`badge badge-${props.status}`}
      role="status"
      aria-live="polite"
      data-status={props.status}
    >
      <Show when={IN_PROGRESS_STATUSES.includes(props.status)}>
        <span class="spinner" aria-hidden="true" />
      </Show>
      {t(`status.${props.status}`)}
      <Show when={step()}>
        <span class="step"> · {step()}</span>
      </Show>
    </span>
  );
}
