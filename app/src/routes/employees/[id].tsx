import { Title } from "@solidjs/meta";
import { A, createAsync, useNavigate, useParams } from "@solidjs/router";
import { createEffect, createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import type { Catalogue } from "../../../../edge/contract/catalogue.ts";
import { allows, type Employee } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { BrowserView } from "../../components/browser/browser-view.tsx";
import { EmployeeActionButton, EmployeeActions } from "../../components/employee-actions.tsx";
import { KnowledgePanel, MemoryView } from "../../components/knowledge-panel.tsx";
import { NameField, nameIsValid, SkillPicker, TonePicker } from "../../components/pickers.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { StatusReason } from "../../components/status-reason.tsx";
import { toast } from "../../components/toasts.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import { createLiveEmployee } from "../../lib/live.ts";
import { apiMessage } from "../../lib/messages.ts";
import { getCatalogue, getEmployee, requireMe } from "../../lib/server.ts";

export const route = {
  preload: ({ params }: { params: { id?: string } }) =>
    Promise.all([requireMe(), getEmployee(params.id ?? ""), getCatalogue()]),
};

// Refresh access URLs this long before they expire.
export const ACCESS_REFRESH_MARGIN_MS = 30_000;
type Tab = "chat" | "browser" | "settings";

export default function Workspace() {
  const { t } = useI18n();
  const params = useParams<{ id: string }>();
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
            />
          )}
        </Show>
      </Show>
    </section>
  );
}

function Desk(props: { initial: Employee; catalogue: Catalogue | undefined; role: TeamRole }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const live = createLiveEmployee(props.initial.id, props.initial);
  const [tab, setTab] = createSignal<Tab>("chat");
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
      <div role="tablist" class="tabs" aria-label={e().name}>
        {(["chat", "browser", "settings"] as const).map((id) => (
          <button
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab() === id}
            aria-controls={`panel-${id}`}
            onClick={() => setTab(id)}
          >
            {t(`workspace.${id}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab()}`} aria-labelledby={`tab-${tab()}`} class="panel">
        <Switch>
          <Match when={tab() === "settings"}>
            <Settings
              employee={e()}
              role={props.role}
              catalogue={props.catalogue}
              onChange={live.setEmployee}
            />
          </Match>
          <Match when={e().status !== "running"}>
            <div class="empty">
              <StatusBadge status={e().status} step={e().step} />
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
            <BrowserView employeeId={e().id} />
          </Match>
          <Match when={true}>
            <AccessFrame employeeId={e().id} scope="chat" />
          </Match>
        </Switch>
      </div>
    </>
  );
}

// The chat and browser views come from short-lived URLs, refreshed before they expire.
function AccessFrame(props: { employeeId: string; scope: "chat" | "browser" }) {
  const { t, lang } = useI18n();
  const [url, setUrl] = createSignal<string | null>(null);
  const [unavailable, setUnavailable] = createSignal(false);
  const [paywall, setPaywall] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    try {
      const access = await api("POST /api/employees/:id/access", {
        params: { id: props.employeeId },
        query: { service: props.scope },
      });
      setUrl(props.scope === "chat" ? access.chatUrl : access.browserUrl);
      const wait = Date.parse(access.expiresAt) - Date.now() - ACCESS_REFRESH_MARGIN_MS;
      timer = setTimeout(load, Math.max(5_000, wait));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404) setUnavailable(true);
      else if (err instanceof ApiFailure && err.code === "chat_views_exhausted") setPaywall(true);
      else toast(apiMessage(err, t, lang));
    }
  };
  createEffect(() => {
    void props.scope;
    clearTimeout(timer);
    void load();
  });
  onCleanup(() => clearTimeout(timer));
  return (
    <Show
      when={!paywall()}
      fallback={
        <div class="empty" role="alert">
          <h2>{t("paywall.title")}</h2>
          <p>{t("paywall.text")}</p>
          <A class="button primary" href="/account">
            {t("account.upgrade")}
          </A>
        </div>
      }
    >
      <Show
        when={!unavailable()}
        fallback={<p class="empty">{t("workspace.accessUnavailable")}</p>}
      >
        <Show when={url()} fallback={<p>{t("common.loading")}</p>}>
          <iframe class="view" title={t(`workspace.${props.scope}`)} src={url() ?? undefined} />
        </Show>
      </Show>
    </Show>
  );
}

function Settings(props: {
  employee: Employee;
  role: TeamRole;
  catalogue: Catalogue | undefined;
  onChange: (e: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
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
        onFired={() => navigate("/dashboard")}
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
    </>
  );
}
