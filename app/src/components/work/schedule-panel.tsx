import { createMemo, createResource, For, Show } from "solid-js";
import type { ChannelKind } from "../../../../edge/contract/channels.ts";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { MAX_SCHEDULES, type ScheduleView } from "../../../../edge/contract/schedules.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { createLoad } from "../../lib/load.ts";
import { LoadState } from "../load-state.tsx";
import { ScheduleForm } from "./schedule-form.tsx";
import { ScheduleItem } from "./schedule-item.tsx";
import { WorkingHours } from "./working-hours.tsx";
import "../../i18n/workspace-texts.ts";
import "../../i18n/work-texts.ts";
import "../../styles/work.css";

// The workspace's Schedule tab (loaded when first opened): the employee's recurring tasks, each
// an OpenClaw automation the agent keeps in step, and its working hours. Admins add, switch and
// delete tasks (schedules.manage) and set the hours (employees.manage); members read them.
export function SchedulePanel(props: {
  employee: Employee;
  role: TeamRole;
  onChange: (employee: Employee) => void;
}) {
  const { t } = useI18n();
  const api = useApi();
  const manages = () => can(props.role, "schedules.manage");
  const list = createLoad(async () => {
    const { schedules } = await api("GET /api/employees/:id/schedules", {
      params: { id: props.employee.id },
    });
    return schedules;
  });
  // Where a task's result may also go: the channels that work now. Not offered when they cannot
  // be read (a member, a server without channels): the task still runs.
  const [connected] = createResource(
    () => manages() || undefined,
    async (): Promise<ChannelKind[]> => {
      try {
        const { channels } = await api("GET /api/employees/:id/channels", {
          params: { id: props.employee.id },
        });
        return channels.filter((c) => c.status === "connected").map((c) => c.kind);
      } catch {
        return [];
      }
    },
  );
  const replace = (schedule: ScheduleView) =>
    list.set((all) => all.map((s) => (s.id === schedule.id ? schedule : s)));
  const full = createMemo(() => (list.value()?.length ?? 0) >= MAX_SCHEDULES);
  return (
    <section class="work-tab" aria-labelledby="schedule-title" data-testid="schedule">
      <h2 id="schedule-title">{t("schedule.title")}</h2>
      <p class="muted">{t("schedule.lead", { name: props.employee.name })}</p>
      <Show when={!manages()}>
        <p class="notice" data-testid="schedule-read-only">
          {t("schedule.readOnly")}
        </p>
      </Show>
      <LoadState load={list.load()} empty={t("schedule.empty")} onRetry={() => void list.reload()}>
        {(schedules) => (
          <ul class="cards schedules">
            <For each={schedules}>
              {(s) => (
                <ScheduleItem
                  schedule={s}
                  employeeName={props.employee.name}
                  manages={manages()}
                  onChange={replace}
                  onDeleted={(id) => list.set((all) => all.filter((x) => x.id !== id))}
                />
              )}
            </For>
          </ul>
        )}
      </LoadState>
      <Show when={manages() && list.load().state === "ready"}>
        <Show
          when={!full()}
          fallback={<p class="notice">{t("apiError.schedule_limit_reached")}</p>}
        >
          <ScheduleForm
            employeeId={props.employee.id}
            employeeName={props.employee.name}
            channels={connected() ?? []}
            onAdded={(s) => list.set((all) => [...all, s])}
          />
        </Show>
      </Show>
      <WorkingHours
        employee={props.employee}
        manages={can(props.role, "employees.manage")}
        onChange={props.onChange}
      />
    </section>
  );
}

export default SchedulePanel;
