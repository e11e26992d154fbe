import { Show } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import { useI18n } from "../i18n/i18n.tsx";

// An employee's own budget at 80 % or spent (issue 18), on the dashboard's card (the employee's
// page says it in budget-spent-banner.tsx; its Work tab has the figures and the owner's raise).
// Apart from the banner so each page's chunk carries only its own.
export function BudgetMarker(props: { employee: Employee }) {
  const { t } = useI18n();
  const state = () => props.employee.budget?.state;
  return (
    <Show when={state() === "warning" || state() === "spent"}>
      <span
        class="badge budget-marker"
        data-tone={state() === "spent" ? "danger" : "warning"}
        data-testid="budget-marker"
      >
        {t(state() === "spent" ? "dashboard.budget.spent" : "dashboard.budget.warning")}
      </span>
    </Show>
  );
}
