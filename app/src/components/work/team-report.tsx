import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { LoadFailed, Loading } from "../load-state.tsx";
import { Figures, WeekPicker, workDone } from "./report-figures.tsx";
import { count, hours, money } from "./work-text.ts";
// Here rather than in the route: a route's bare imports would load with every page.
import "../../i18n/work-texts.ts";
import "../../styles/work.css";

// The team's report card for a week (GET /api/report): the totals, then a row per employee
// (a card each on a phone), each linking to the employee's page.
export function TeamReport() {
  const { t, lang } = useI18n();
  const api = useApi();
  const [week, setWeek] = createSignal<string | undefined>();
  const [report, { refetch }] = createResource(
    () => ({ week: week() }),
    async ({ week }) => (await api("GET /api/report", { query: week ? { week } : {} })).report,
  );
  const latest = () => (report.error ? undefined : report.latest);
  const cols = () => ({
    work: t("report.work"),
    cost: t("report.cost"),
    approvals: t("report.approvals"),
    saved: t("report.saved"),
  });
  return (
    <>
      <WeekPicker report={latest()} week={week()} onWeek={setWeek} />
      <Show
        when={!report.error}
        fallback={<LoadFailed error={report.error} onRetry={() => void refetch()} />}
      >
        <Show when={latest()} fallback={<Loading />}>
          {(r) => (
            <>
              <section class="card block" aria-labelledby="report-team-title">
                <h2 id="report-team-title">{t("report.team")}</h2>
                <Figures figures={r().totals} testid="team-totals" />
                <p class="muted small">{t("report.zone", { zone: r().timeZone })}</p>
              </section>
              <Show
                when={r().employees.length > 0}
                fallback={
                  <p class="empty" data-state="empty">
                    {t("report.noEmployees")}
                  </p>
                }
              >
                <table class="report-team">
                  <thead>
                    <tr>
                      <th scope="col">{t("report.employee")}</th>
                      <For each={Object.values(cols())}>{(c) => <th scope="col">{c}</th>}</For>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={r().employees}>
                      {(e) => (
                        <tr data-employee={e.employeeId}>
                          <th scope="row">
                            <A href={`/employees/${e.employeeId}`}>{e.name}</A>
                          </th>
                          <td data-label={cols().work}>{count(workDone(e), lang)}</td>
                          <td data-label={cols().cost}>{money(e.costCents, lang)}</td>
                          <td data-label={cols().approvals}>
                            {t("report.approvalsText", {
                              asked: count(e.approvalsRequested, lang),
                              allowed: count(e.approvalsAllowed, lang),
                              denied: count(e.approvalsDenied, lang),
                            })}
                          </td>
                          <td data-label={cols().saved}>
                            {t("report.hours", { n: hours(e.minutesSaved, lang) })}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </>
          )}
        </Show>
      </Show>
    </>
  );
}
