import { Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import type { TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { BudgetBlock } from "./budget-block.tsx";
import { Ledger } from "./ledger.tsx";
import { WeekReport } from "./week-report.tsx";
import "../../i18n/workspace-texts.ts";
import "../../i18n/work-texts.ts";
import "../../styles/work.css";

// The workspace's Work tab (loaded when first opened): the employee's own budget this month,
// its report card for a week, and the ledger of everything it did.
export function WorkPanel(props: {
  employee: Employee;
  role: TeamRole;
  onChange: (employee: Employee) => void;
}) {
  const { t } = useI18n();
  return (
    <section class="work-tab" aria-labelledby="work-title" data-testid="work">
      <h2 id="work-title">{t("work.title")}</h2>
      <div class="work-summary">
        <Show when={props.employee.budget}>
          {(budget) => (
            <BudgetBlock
              employee={props.employee}
              budget={budget()}
              role={props.role}
              onChange={props.onChange}
            />
          )}
        </Show>
        <WeekReport employee={props.employee} role={props.role} onChange={props.onChange} />
      </div>
      <Ledger employeeId={props.employee.id} employeeName={props.employee.name} />
    </section>
  );
}

export default WorkPanel;
