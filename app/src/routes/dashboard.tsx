import { Title } from "@solidjs/meta";
import { A, createAsync, revalidate } from "@solidjs/router";
import { createEffect, createSignal, For, lazy, Show } from "solid-js";
import type { Catalogue } from "../../../edge/contract/catalogue.ts";
import type { ListedEmployee } from "../../../edge/contract/employee.ts";
import { can } from "../../../edge/contract/team.ts";
import { BudgetMarker } from "../components/budget-marker.tsx";
import { Dialog } from "../components/dialog.tsx";
import { LaunchSummary } from "../components/launch-checklist.tsx";
import {
  NameField,
  nameIsValid,
  RolePicker,
  SkillPicker,
  TonePicker,
} from "../components/pickers.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { StatusReason } from "../components/status-reason.tsx";
import { toast } from "../components/toasts.tsx";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { ApiFailure, api } from "../lib/api.ts";
import { createLiveEmployee } from "../lib/live.ts";
import { apiMessage } from "../lib/messages.ts";
import { getCatalogue, getEmployees, requireMe } from "../lib/server.ts";

export const route = { preload: () => Promise.all([requireMe(), getEmployees(), getCatalogue()]) };

// Shown only on an employee restored from a backup: fetched when one is.
const RestoredFrom = lazy(() =>
  import("../components/backups/restored-from.tsx").then((m) => ({ default: m.RestoredFrom })),
);

const euros = (cents: number, lang: string) =>
  new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-IE", {
    style: "currency",
    currency: "EUR",
  }).format(cents / 100);

export default function Dashboard() {
  const { t, lang } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const employees = createAsync(() => getEmployees(), { deferStream: true });
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  const [hiring, setHiring] = createSignal(false);
  const refresh = () => revalidate([getEmployees.key, requireMe.key]);
  // Hiring is for admins and the owner; a member's page has no Hire (the API refuses it too).
  const manages = () => can(me()?.account.role ?? "member", "employees.manage");
  return (
    <section>
      <Title>{t("dashboard.title")} · InstantWorker</Title>
      <div class="row">
        <h1>{t("dashboard.title")}</h1>
        <div class="row">
          <A class="button" href="/report" data-testid="report-link">
            {t("nav.report")}
          </A>
          <Show when={manages()}>
            <button class="button primary" type="button" onClick={() => setHiring(true)}>
              {t("dashboard.hire")}
            </button>
          </Show>
        </div>
      </div>
      <Show when={me()?.usage.llmBudgetWarning}>
        <p class="alert" role="alert" data-testid="budget-warning">
          {t("dashboard.budgetWarning", {
            percent: Math.round(me()?.usage.llmBudgetUsedPercent ?? 0),
            spent: euros(me()?.usage.llmCostCentsThisMonth ?? 0, lang),
            budget: euros(me()?.limits.llmBudgetCentsPerMonth ?? 0, lang),
          })}
        </p>
      </Show>
      <Show when={employees()}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <div class="empty">
                <h2>{t("dashboard.empty.title")}</h2>
                <p>{manages() ? t("dashboard.empty.text") : t("dashboard.empty.member")}</p>
              </div>
            }
          >
            <ul class="team" aria-label={t("dashboard.title")}>
              <For each={list()}>
                {(e) => <EmployeeCard employee={e} catalogue={catalogue()} onGone={refresh} />}
              </For>
            </ul>
          </Show>
        )}
      </Show>
      <Show when={hiring() && manages() && catalogue() && me()}>
        <HireModal
          catalogue={catalogue() as Catalogue}
          atLimit={(me()?.usage.employees ?? 0) >= (me()?.limits.maxEmployees ?? 0)}
          onClose={() => setHiring(false)}
          onHired={() => {
            setHiring(false);
            refresh();
          }}
        />
      </Show>
    </section>
  );
}

function EmployeeCard(props: {
  employee: ListedEmployee;
  catalogue: Catalogue | undefined;
  onGone: () => void;
}) {
  const { t, lang } = useI18n();
  const live = createLiveEmployee(props.employee.id, props.employee);
  const role = () => {
    const id = live.employee().role;
    return catalogueText(lang, "role", id, {
      name: props.catalogue?.roles.find((r) => r.id === id)?.name ?? id,
    }).name;
  };
  createEffect(() => {
    if (live.removed()) props.onGone();
  });
  // An employee being removed can be gone before its socket opens: the edge then refuses the
  // socket (404), which a browser sees only as a close, and no "removed" frame ever comes. So a
  // card in "removing" whose socket drops asks for the list again (which no longer has it).
  createEffect(() => {
    if (live.dropped() && live.employee().status === "removing") props.onGone();
  });
  return (
    <Show when={!live.removed()}>
      <li class="card employee" data-employee={props.employee.id}>
        <h2>{live.employee().name}</h2>
        <p class="muted">{role()}</p>
        <StatusBadge status={live.employee().status} step={live.employee().step} />
        <BudgetMarker employee={live.employee()} />
        <LaunchSummary employee={live.employee()} />
        <Show when={live.employee().restoredFrom}>
          <RestoredFrom employee={live.employee()} class="muted restored-from" />
        </Show>
        <Show when={live.employee().status === "error"}>
          <StatusReason
            status={live.employee().status}
            reason={live.employee().statusReason}
            class="reason"
          />
        </Show>
        <Show when={props.employee.usageThisMonth}>
          {(u) => (
            <p class="muted usage">
              {t("dashboard.usage", {
                cost: euros(u().costCents, lang),
                tokens: (u().promptTokens + u().completionTokens).toLocaleString(lang),
              })}
            </p>
          )}
        </Show>
        <A class="button" href={`/employees/${props.employee.id}`}>
          {t("dashboard.open")}
        </A>
      </li>
    </Show>
  );
}

function HireModal(props: {
  catalogue: Catalogue;
  atLimit: boolean;
  onClose: () => void;
  onHired: () => void;
}) {
  const { t, lang } = useI18n();
  const first = props.catalogue.roles[0];
  const [role, setRole] = createSignal(first?.id ?? "");
  const [skills, setSkills] = createSignal<string[]>(first?.defaultSkills ?? []);
  const [name, setName] = createSignal("");
  const [tone, setTone] = createSignal(props.catalogue.tones[0]?.id ?? "");
  const [limit, setLimit] = createSignal(props.atLimit);
  const [fields, setFields] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields({});
    try {
      await api("POST /api/employees", {
        body: { name: name().trim(), role: role(), tone: tone(), skills: skills() },
      });
      props.onHired();
    } catch (err) {
      if (
        err instanceof ApiFailure &&
        (err.code === "plan_limit_reached" || err.code === "trial_expired")
      )
        setLimit(true);
      else if (err instanceof ApiFailure && err.fields) setFields(err.fields);
      else toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("hire.title")} onClose={props.onClose}>
      <Show
        when={!limit()}
        fallback={
          <div>
            <p>{t("hire.limit")}</p>
            <div class="actions">
              <A class="button primary" href="/account">
                {t("hire.upgrade")}
              </A>
              <button class="button" type="button" onClick={props.onClose}>
                {t("common.close")}
              </button>
            </div>
          </div>
        }
      >
        <form onSubmit={submit}>
          <NameField label={t("onboarding.name")} value={name()} onInput={setName} />
          <Show when={fields().name}>
            <p class="field-error">{fields().name}</p>
          </Show>
          <RolePicker
            catalogue={props.catalogue}
            legend={t("onboarding.role")}
            value={role()}
            onChange={(r) => {
              setRole(r);
              setSkills(props.catalogue.roles.find((x) => x.id === r)?.defaultSkills ?? skills());
            }}
          />
          <SkillPicker
            catalogue={props.catalogue}
            legend={t("onboarding.skills")}
            value={skills()}
            onChange={setSkills}
          />
          <TonePicker
            catalogue={props.catalogue}
            label={t("onboarding.tone")}
            value={tone()}
            onChange={setTone}
          />
          <div class="actions">
            <button class="button primary" type="submit" disabled={busy() || !nameIsValid(name())}>
              {t("hire.submit")}
            </button>
            <button class="button" type="button" onClick={props.onClose}>
              {t("hire.cancel")}
            </button>
          </div>
        </form>
      </Show>
    </Dialog>
  );
}
