import { Title } from "@solidjs/meta";
import { A, createAsync, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createSignal, lazy, Match, Show, Suspense, Switch } from "solid-js";
import type { Catalogue } from "../../../../edge/contract/catalogue.ts";
import { allows, type Employee } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { BudgetSpentBanner } from "../../components/budget-spent-banner.tsx";
import { ChatPanel } from "../../components/chat/chat-panel.tsx";
import { EmployeeActionButton } from "../../components/employee-actions.tsx";
import { LaunchChecklist } from "../../components/launch-checklist.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { StatusReason } from "../../components/status-reason.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { createLiveEmployee } from "../../lib/live.ts";
import { createPairingStore } from "../../lib/pairing.ts";
import { getCatalogue, getEmployee, requireMe } from "../../lib/server.ts";

export const route = {
  preload: ({ params }: { params: { id?: string } }) =>
    Promise.all([requireMe(), getEmployee(params.id ?? ""), getCatalogue()]),
};

// The Settings, Channels, Backups and Browser tabs come when they are opened: the chat is what the page opens on,
// and the page's JavaScript stays within its budget (infra/tests/app-build.test.ts).
const BrowserView = lazy(() =>
  import("../../components/browser/browser-view.tsx").then((m) => ({ default: m.BrowserView })),
);
const BackupsPanel = lazy(() => import("../../components/backups/backups-panel.tsx"));
const ChannelsPanel = lazy(() => import("../../components/channels/channels-panel.tsx"));
// Shown only on an employee restored from a backup.
const RestoredFrom = lazy(() =>
  import("../../components/backups/restored-from.tsx").then((m) => ({ default: m.RestoredFrom })),
);
// Shown only when the employee's approvals suggest widening its autonomy (issue 18).
const AutonomySuggestion = lazy(() =>
  import("../../components/autonomy.tsx").then((m) => ({ default: m.AutonomySuggestion })),
);
// Scheduled work and the work ledger (issue 18): each its own chunk, with its texts.
const SchedulePanel = lazy(() => import("../../components/work/schedule-panel.tsx"));
const WorkPanel = lazy(() => import("../../components/work/work-panel.tsx"));
const EmployeeSettings = lazy(() =>
  import("../../components/employee-settings.tsx").then((m) => ({ default: m.EmployeeSettings })),
);

const TABS = ["chat", "browser", "channels", "schedule", "work", "backups", "settings"] as const;
type Tab = (typeof TABS)[number];

export default function Workspace() {
  const { t } = useI18n();
  const params = useParams<{ id: string }>();
  // ?conversation=: the chat opens on it (the approvals inbox links a request's conversation).
  const [search] = useSearchParams();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const employee = createAsync(() => getEmployee(params.id), { deferStream: true });
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  return (
    <section>
      <p>
        <A href="/dashboard">← {t("workspace.back")}</A>
      </p>
      <Show when={employee() !== undefined} fallback={<p>{t("common.loading")}</p>}>
        <Show when={employee()} fallback={<h1>{t("workspace.missing")}</h1>}>
          {(e) => (
            <Desk
              initial={e()}
              catalogue={catalogue()}
              // Until Me arrives, the least rights: nothing is offered that the role may not do.
              role={me()?.account.role ?? "member"}
              author={me()?.user.name ?? me()?.user.email ?? ""}
              conversation={
                typeof search.conversation === "string" ? search.conversation : undefined
              }
            />
          )}
        </Show>
      </Show>
    </section>
  );
}

function Desk(props: {
  initial: Employee;
  catalogue: Catalogue | undefined;
  role: TeamRole;
  author: string;
  conversation?: string | undefined;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const live = createLiveEmployee(props.initial.id, props.initial);
  const [tab, setTab] = createSignal<Tab>("chat");
  // Strangers waiting for an admin's decision: counted on the Channels tab, live, whichever tab
  // is open (members are not shown them; the API would refuse them).
  const pairing = createPairingStore({
    api: useApi(),
    employeeId: props.initial.id,
    feed: live.channels,
    enabled: () => can(props.role, "employees.manage"),
  });
  createEffect(() => {
    if (live.removed()) navigate("/dashboard");
  });
  const e = live.employee;
  return (
    <>
      <Title>{e().name} · InstantWorker</Title>
      <div class="row">
        <h1>{e().name}</h1>
        <StatusBadge status={e().status} step={e().step} />
      </div>
      <Show when={e().status === "error" || e().status === "stopped"}>
        <StatusReason status={e().status} reason={e().statusReason} />
      </Show>
      <Show when={e().restoredFrom}>
        <RestoredFrom employee={e()} />
      </Show>
      <Show when={e().autonomySuggestion && can(props.role, "employees.manage")}>
        <Suspense>
          <AutonomySuggestion employee={e()} onChange={live.setEmployee} />
        </Suspense>
      </Show>
      {/* The launch, step by step, above every tab until the employee runs (the chat says when
          the live connection drops; elsewhere the checklist does). */}
      <Show when={e().launch && e().status !== "running"}>
        <LaunchChecklist
          employee={e()}
          dropped={tab() !== "chat" && live.dropped()}
          onRetry={live.reconnect}
        />
      </Show>
      <BudgetSpentBanner employee={e()} />
      <div role="tablist" class="tabs" aria-label={e().name}>
        {TABS.map((id) => (
          <button
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab() === id}
            aria-controls={`panel-${id}`}
            onClick={() => setTab(id)}
          >
            {t(`workspace.${id}`)}
            <Show when={id === "channels" && pairing.pending().length}>
              {(n) => (
                <>
                  {" "}
                  <span class="badge" data-tone="warning" data-testid="pairing-count">
                    {n()}
                  </span>
                  <span class="visually-hidden"> {t("workspace.channelsWaiting", { n: n() })}</span>
                </>
              )}
            </Show>
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab()}`} aria-labelledby={`tab-${tab()}`} class="panel">
        {/* Our own chat, whatever the status (it says when the employee cannot answer); kept
            mounted behind the other tabs so a draft and its uploads survive a look at Settings. */}
        <div hidden={tab() !== "chat"}>
          <ChatPanel
            employee={e()}
            role={props.role}
            author={props.author}
            feed={live.chat}
            onEmployeeChange={live.setEmployee}
            conversation={props.conversation}
          />
        </div>
        <Switch>
          <Match when={tab() === "chat"}>{null}</Match>
          <Match when={tab() === "settings"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <EmployeeSettings
                employee={e()}
                role={props.role}
                catalogue={props.catalogue}
                onChange={live.setEmployee}
              />
            </Suspense>
          </Match>
          <Match when={tab() === "channels"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <ChannelsPanel
                employee={e()}
                role={props.role}
                feed={live.channels}
                pairing={pairing}
              />
            </Suspense>
          </Match>
          <Match when={tab() === "schedule"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <SchedulePanel employee={e()} role={props.role} onChange={live.setEmployee} />
            </Suspense>
          </Match>
          <Match when={tab() === "work"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <WorkPanel employee={e()} role={props.role} onChange={live.setEmployee} />
            </Suspense>
          </Match>
          <Match when={tab() === "backups"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <BackupsPanel
                employee={e()}
                role={props.role}
                feed={live.backups}
                onChange={live.setEmployee}
              />
            </Suspense>
          </Match>
          <Match when={e().status !== "running"}>
            <div class="empty">
              <p>{t("workspace.notReady")}</p>
              <Show when={allows(e().status, "provision") && can(props.role, "employees.manage")}>
                <EmployeeActionButton
                  employee={e()}
                  action="provision"
                  label={t("workspace.start")}
                  onChange={live.setEmployee}
                  primary
                />
              </Show>
            </div>
          </Match>
          <Match when={tab() === "browser"}>
            <Suspense fallback={<p>{t("common.loading")}</p>}>
              <BrowserView employeeId={e().id} />
            </Suspense>
          </Match>
        </Switch>
      </div>
    </>
  );
}
