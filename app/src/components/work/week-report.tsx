import { createResource, createSignal, Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { LoadFailed, Loading } from "../load-state.tsx";
import { MinutesSavedForm } from "./minutes-saved.tsx";
import { Figures, WeekPicker } from "./report-figures.tsx";

// The employee's report card for a week (this week first): the ledger's sums in the account's
// time zone. The owner adjusts the minutes each kind of work saves, and the figures follow.
export function WeekReport(props: {
  employee: Employee;
  role: TeamRole;
  onChange: (employee: Employee) => void;
}) {
  const { t } = useI18n();
  const api = useApi();
  const [week, setWeek] = createSignal<string | undefined>();
  const [report, { refetch }] = createResource(
    () => ({ week: week() }),
    async ({ week }) =>
      (
        await api("GET /api/employees/:id/report", {
          params: { id: props.employee.id },
          query: week ? { week } : {},
        })
      ).report,
  );
  const latest = () => (report.error ? undefined : report.latest);
  const mine = () => latest()?.employees.find((e) => e.employeeId === props.employee.id);
  return (
    <section class="card block week-report" aria-labelledby="week-report-title">
      <h3 id="week-report-title">{t("report.title")}</h3>
      <WeekPicker report={latest()} week={week()} onWeek={setWeek} />
      <Show
        when={!report.error}
        fallback={<LoadFailed error={report.error} onRetry={() => void refetch()} />}
      >
        <Show when={latest()} fallback={<Loading />}>
          {(r) => (
            <>
              <Figures figures={mine() ?? r().totals} testid="employee-report" />
              <p class="muted small">{t("report.zone", { zone: r().timeZone })}</p>
              <Show when={can(props.role, "budgets.manage") && mine()}>
                {(m) => (
                  <MinutesSavedForm
                    employee={props.employee}
                    minutes={m().minutesPerTask}
                    onSaved={(e) => {
                      props.onChange(e);
                      void refetch();
                    }}
                  />
                )}
              </Show>
            </>
          )}
        </Show>
      </Show>
    </section>
  );
}
