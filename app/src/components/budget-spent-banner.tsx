import { Show } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import { useI18n } from "../i18n/i18n.tsx";

// On the employee's page, above its tabs: its own budget is spent, so it does no work until the
// owner raises it or the month turns (issue 18). The Work tab has the figures and the raise.
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
