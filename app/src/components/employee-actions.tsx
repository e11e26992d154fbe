import { createSignal, Show } from "solid-js";
import { allows, type Employee, type EmployeeAction } from "../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../edge/contract/team.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { apiMessage } from "../lib/messages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { toast } from "./toasts.tsx";
import "../styles/polish.css";

// One lifecycle button (start, restart, stop): the new state comes back in the answer. With
// `confirm`, a question comes first (Restart and Stop interrupt the employee's work); the button
// stays where it is, off while not allowed, so the row does not shift as the status changes.
export function EmployeeActionButton(props: {
  employee: Employee;
  action: EmployeeAction;
  label: string;
  onChange: (e: Employee) => void;
  primary?: boolean;
  confirm?: string;
  disabled?: boolean;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const [asking, setAsking] = createSignal(false);
  const run = async (): Promise<boolean> => {
    setBusy(true);
    try {
      const { employee } = await api(`POST /api/employees/:id/${props.action}`, {
        params: { id: props.employee.id },
      });
      props.onChange(employee);
      return true;
    } catch (err) {
      toast(apiMessage(err, t, lang));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        class={props.primary ? "button primary" : "button"}
        type="button"
        disabled={busy() || props.disabled === true}
        onClick={() => (props.confirm ? setAsking(true) : void run())}
      >
        {props.label}
      </button>
      <Show when={asking()}>
        <ConfirmDialog
          title={props.label}
          confirmLabel={props.label}
          danger={false}
          onConfirm={run}
          onClose={() => setAsking(false)}
        >
          <p>{props.confirm}</p>
        </ConfirmDialog>
      </Show>
    </>
  );
}

// The Settings tab's lifecycle buttons and Fire, for the roles that manage employees; a member
// sees none of them (the API answers them 403 forbidden_role as well). Always three in the same
// places: Start or Restart, Stop, Fire; the ones the status does not allow are off.
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
  const name = () => props.employee.name;
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
      <div class="actions lifecycle">
        <Show
          when={allows(s(), "provision")}
          fallback={
            <EmployeeActionButton
              employee={props.employee}
              action="restart"
              label={t("workspace.restart")}
              onChange={props.onChange}
              confirm={t("workspace.restartConfirm", { name: name() })}
              disabled={!allows(s(), "restart")}
            />
          }
        >
          <EmployeeActionButton
            employee={props.employee}
            action="provision"
            label={t("workspace.start")}
            onChange={props.onChange}
            primary
          />
        </Show>
        <EmployeeActionButton
          employee={props.employee}
          action="stop"
          label={t("workspace.stop")}
          onChange={props.onChange}
          confirm={t("workspace.stopConfirm", { name: name() })}
          disabled={!allows(s(), "stop")}
        />
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
