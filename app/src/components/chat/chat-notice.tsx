import { Match, Show, Switch } from "solid-js";
import type { ChatState } from "../../../../edge/contract/chat.ts";
import { allows, type Employee } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { EmployeeActionButton } from "../employee-actions.tsx";
import "../../i18n/workspace-texts.ts";

// What the chat says when the employee cannot answer now: what is happening and what to do, in
// the chat itself (above the messages), for whoever is looking. Messages can still be written:
// they wait, queued, and are delivered when the employee can answer.
export function ChatNotice(props: {
  state: ChatState;
  /** The live socket dropped: frames are not arriving, whatever the state. */
  lost: boolean;
  employee: Employee;
  role: TeamRole;
  onEmployeeChange: (e: Employee) => void;
  onReconnect: () => void;
}) {
  const { t } = useI18n();
  const name = () => ({ name: props.employee.name });
  const manages = () => can(props.role, "employees.manage");
  const lifecycle = (action: "provision" | "restart", label: string) => (
    <EmployeeActionButton
      employee={props.employee}
      action={action}
      label={label}
      onChange={props.onEmployeeChange}
      primary
    />
  );
  return (
    <>
      <Show when={props.lost}>
        <div class="chat-notice chat-notice-lost" role="status" data-state="lost">
          <p>{t("chat.state.lost")}</p>
          <button type="button" class="button small" onClick={() => props.onReconnect()}>
            {t("chat.state.reconnect")}
          </button>
        </div>
      </Show>
      <Show when={props.state !== "ready"}>
        <div class="chat-notice" role="status" data-state={props.state}>
          <Switch>
            <Match when={props.state === "starting"}>
              <p>
                <span class="spinner" aria-hidden="true" /> {t("chat.state.starting", name())}
              </p>
            </Match>
            <Match when={props.state === "asleep"}>
              <p>{t("chat.state.asleep", name())}</p>
              <Show
                when={manages() && allows(props.employee.status, "provision")}
                fallback={
                  <Show when={!manages()}>
                    <p class="muted">{t("chat.state.asleep.ask", name())}</p>
                  </Show>
                }
              >
                {lifecycle("provision", t("chat.state.start", name()))}
              </Show>
            </Match>
            <Match when={props.state === "unavailable"}>
              <p>{t("chat.state.unavailable", name())}</p>
              <Show
                when={manages()}
                fallback={<p class="muted">{t("chat.state.unavailable.ask", name())}</p>}
              >
                <Show when={allows(props.employee.status, "restart")}>
                  {lifecycle("restart", t("chat.state.restart", name()))}
                </Show>
                <Show when={allows(props.employee.status, "provision")}>
                  {lifecycle("provision", t("chat.state.start", name()))}
                </Show>
              </Show>
            </Match>
            <Match when={props.state === "no_model"}>
              <p>{t("chat.state.no_model", name())}</p>
            </Match>
            <Match when={props.state === "budget_spent"}>
              <p>{t("chat.state.budget_spent", name())}</p>
              <Show
                when={can(props.role, "billing.manage")}
                fallback={<p class="muted">{t("chat.state.budget.ask")}</p>}
              >
                <a class="button primary" href="/account">
                  {t("chat.state.budget.owner")}
                </a>
              </Show>
            </Match>
          </Switch>
        </div>
      </Show>
    </>
  );
}
