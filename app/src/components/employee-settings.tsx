import { revalidate, useNavigate } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import type { Catalogue } from "../../../edge/contract/catalogue.ts";
import type { Employee } from "../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { apiMessage } from "../lib/messages.ts";
import { getEmployees, requireMe } from "../lib/server.ts";
import { AutonomyPicker } from "./autonomy.tsx";
import { AdvancedConsole } from "./chat/advanced-console.tsx";
import { EmployeeActions } from "./employee-actions.tsx";
import { KnowledgePanel, MemoryView } from "./knowledge-panel.tsx";
import { NameField, nameIsValid, SkillPicker, TonePicker } from "./pickers.tsx";
import { toast } from "./toasts.tsx";

// The workspace's Settings tab: lifecycle, name, tone and skills, autonomy, knowledge, memory, and for
// admins the engine's own console.
export function EmployeeSettings(props: {
  employee: Employee;
  role: TeamRole;
  catalogue: Catalogue | undefined;
  onChange: (e: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const api = useApi();
  const manages = () => can(props.role, "employees.manage");
  const [name, setName] = createSignal(props.employee.name);
  const [tone, setTone] = createSignal(props.employee.tone);
  const [skills, setSkills] = createSignal(props.employee.skills);
  const save = async (ev: SubmitEvent) => {
    ev.preventDefault();
    try {
      const { employee } = await api("PATCH /api/employees/:id", {
        params: { id: props.employee.id },
        body: { name: name().trim(), tone: tone(), skills: skills() },
      });
      props.onChange(employee);
      toast(t("workspace.saved"), "info");
    } catch (err) {
      toast(apiMessage(err, t, lang));
    }
  };
  return (
    <>
      <EmployeeActions
        employee={props.employee}
        role={props.role}
        onChange={props.onChange}
        onFired={() => {
          // The router may hold the team's list from a few seconds ago (a visit, a preload on
          // hover), with the fired employee still running in it; its live socket is then refused
          // and the card never leaves. Drop the cached list so the dashboard reads it anew.
          void revalidate([getEmployees.key, requireMe.key]);
          navigate("/dashboard");
        }}
      />
      <Show when={!manages()}>
        <p class="notice" data-testid="read-only">
          {t("workspace.readOnly")}
        </p>
      </Show>
      <Show when={manages() && props.catalogue}>
        {(c) => (
          <form onSubmit={save}>
            <NameField label={t("onboarding.name")} value={name()} onInput={setName} />
            <TonePicker
              catalogue={c()}
              label={t("onboarding.tone")}
              value={tone()}
              onChange={setTone}
            />
            <SkillPicker
              catalogue={c()}
              legend={t("onboarding.skills")}
              value={skills()}
              onChange={setSkills}
            />
            <button class="button primary" type="submit" disabled={!nameIsValid(name())}>
              {t("workspace.save")}
            </button>
          </form>
        )}
      </Show>
      <AutonomyPicker employee={props.employee} manages={manages()} onChange={props.onChange} />
      <KnowledgePanel
        folder={{ employeeId: props.employee.id }}
        title={t("knowledge.own", { name: props.employee.name })}
        text={t("knowledge.own.text")}
        manage={can(props.role, "knowledge.manage")}
      />
      <KnowledgePanel
        folder="team"
        title={t("knowledge.team")}
        text={t("knowledge.team.text")}
        manage={can(props.role, "knowledge.manage")}
      />
      <MemoryView employeeId={props.employee.id} />
      <AdvancedConsole employeeId={props.employee.id} role={props.role} />
    </>
  );
}
