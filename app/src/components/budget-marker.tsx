import { Show } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import { useI18n } from "../i18n/i18n.tsx";

// An employee's own budget at 80 % or spent (issue 18), where it is not the page's subject: a
// marker on the dashboard's card, and on the employee's page the banner saying it has stopped.
// The Work tab has the figures and the owner's raise.
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

export function BudgetSpentBanner(props: { employee: Employee }) {
  const { t } = useI18n();
  return (
    <Show when={props.employee.budget?.state === "spent"}>
      <p class="alert" role="alert" data-testid="budget-spent">
        {t("workspace.budgetSpent", { name: props.employee.name })}
      </p>
    </Show>
  );
}
