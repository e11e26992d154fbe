import { createSignal, Show } from "solid-js";
import { allows, type Employee, type EmployeeAction } from "../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { toast } from "./toasts.tsx";

// One lifecycle button (start, restart, stop): the new state comes back in the answer.
export function EmployeeActionButton(props: {
  employee: Employee;
  action: EmployeeAction;
  label: string;
  onChange: (e: Employee) => void;
  primary?: boolean;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const run = async () => {
    setBusy(true);
    try {
      const { employee } = await api(`POST /api/employees/:id/${props.action}`, {
        params: { id: props.employee.id },
      });
      props.onChange(employee);
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      class={props.primary ? "button primary" : "button"}
      type="button"
      disabled={busy()}
      onClick={run}
    >
      {props.label}
    </button>
  );
}

// The Settings tab's lifecycle buttons and Fire, for the roles that manage employees; a member
// sees none of them (the API answers them 403 forbidden_role as well).
export function EmployeeActions(props: {
  employee: Employee;
  role: TeamRole;
  onChange: (e: Employee) => void;
  onFired: () => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [confirming, setConfirming] = createSignal(false);
  const s = () => props.employee.status;
  const fire = async (): Promise<boolean> => {
    try {
      await api("DELETE /api/employees/:id", { params: { id: props.employee.id } });
      props.onFired();
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      return false;
    }
  };
  return (
    <Show when={can(props.role, "employees.manage")}>
      <div class="actions">
        <Show when={allows(s(), "provision")}>
          <EmployeeActionButton
            employee={props.employee}
            action="provision"
            label={t("workspace.start")}
            onChange={props.onChange}
            primary
          />
        </Show>
        <Show when={allows(s(), "restart")}>
          <EmployeeActionButton
            employee={props.employee}
            action="restart"
            label={t("workspace.restart")}
            onChange={props.onChange}
          />
        </Show>
        <Show when={allows(s(), "stop")}>
          <EmployeeActionButton
            employee={props.employee}
            action="stop"
            label={t("workspace.stop")}
            onChange={props.onChange}
          />
        </Show>
        <button class="button danger" type="button" onClick={() => setConfirming(true)}>
          {t("workspace.fire")}
        </button>
      </div>
      <Show when={confirming()}>
        <ConfirmDialog
          title={t("workspace.fire")}
          confirmLabel={t("workspace.fire")}
          onConfirm={fire}
          onClose={() => setConfirming(false)}
        >
          <p>{t("workspace.fireConfirm", { name: props.employee.name })}</p>
        </ConfirmDialog>
      </Show>
    </Show>
  );
}
