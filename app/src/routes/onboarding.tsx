import { Title } from "@solidjs/meta";
import { A, createAsync, useNavigate } from "@solidjs/router";
import { createEffect, createSignal, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import type { Catalogue } from "../../../edge/contract/catalogue.ts";
import type { Employee } from "../../../edge/contract/employee.ts";
import { can } from "../../../edge/contract/team.ts";
import { KnowledgePanel } from "../components/knowledge-panel.tsx";
import { LaunchChecklist } from "../components/launch-checklist.tsx";
import {
  MAX_NAME_LENGTH,
  NameField,
  nameIsValid,
  RolePicker,
  SkillPicker,
  TonePicker,
} from "../components/pickers.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { StatusReason } from "../components/status-reason.tsx";
import { toast } from "../components/toasts.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { createLiveEmployee } from "../lib/live.ts";
import { apiMessage } from "../lib/messages.ts";
import { getCatalogue, requireMe } from "../lib/server.ts";
import "../styles/polish.css";

export const route = { preload: () => Promise.all([requireMe(), getCatalogue()]) };

export const ONBOARDING_KEY = "iw-onboarding-v2";
// Every step asks for something: the trial needs no choice, so it is said on the launch step
// rather than on a page of its own (v1 had that "plan" step first).
const OLD_KEY = "iw-onboarding-v1";
export const STEPS = ["skills", "identity", "educate", "launch"] as const;

interface Progress {
  step: number;
  role: string;
  skills: string[];
  name: string;
  tone: string;
  employeeId?: string;
}

// The wizard's progress lives in localStorage, so a reload, or a return tomorrow, resumes where
// the customer was.
function loadProgress(c: Catalogue): Progress {
  const role = c.roles[0];
  const fallback: Progress = {
    step: 0,
    role: role?.id ?? "",
    skills: role?.defaultSkills ?? [],
    name: "",
    tone: c.tones[0]?.id ?? "",
  };
  try {
    const saved = JSON.parse(
      localStorage.getItem(ONBOARDING_KEY) ?? "null",
    ) as Partial<Progress> | null;
    if (saved) return { ...fallback, ...saved };
    const old = JSON.parse(localStorage.getItem(OLD_KEY) ?? "null") as Partial<Progress> | null;
    localStorage.removeItem(OLD_KEY);
    return old ? { ...fallback, ...old, step: Math.max(0, (old.step ?? 0) - 1) } : fallback;
  } catch {
    return fallback;
  }
}

export default function Onboarding() {
  const { t } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  return (
    <section class="narrow">
      <Title>{t("onboarding.title")} · InstantWorker</Title>
      <h1>{t("onboarding.title")}</h1>
      <Show when={me() && catalogue()} fallback={<p>{t("common.loading")}</p>}>
        <Show
          when={can(me()?.account.role ?? "member", "employees.manage")}
          fallback={
            <>
              <p class="notice">{t("onboarding.notAllowed", { team: me()?.account.name ?? "" })}</p>
              <A class="button" href="/dashboard">
                {t("workspace.back")}
              </A>
            </>
          }
        >
          <Wizard catalogue={catalogue() as Catalogue} />
        </Show>
      </Show>
    </section>
  );
}

export function Wizard(props: { catalogue: Catalogue }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [p, setP] = createSignal<Progress>({ step: 0, role: "", skills: [], name: "", tone: "" });
  const [ready, setReady] = createSignal(false);
  const [launching, setLaunching] = createSignal(false);
  const [uploading, setUploading] = createSignal(false);
  const [hired, setHired] = createSignal<Employee | null>(null);
  onMount(() => {
    setP(loadProgress(props.catalogue));
    setReady(true);
  });
  createEffect(() => {
    if (ready()) localStorage.setItem(ONBOARDING_KEY, JSON.stringify(p()));
  });
  const update = (patch: Partial<Progress>) => setP({ ...p(), ...patch });
  const step = () => STEPS[Math.min(p().step, STEPS.length - 1)];
  const roleName = () => props.catalogue.roles.find((r) => r.id === p().role)?.name ?? p().role;
  // Why the step's button is off, said next to it; null when it is on.
  const blocked = (): string | null => {
    if (step() === "educate" && uploading()) return t("onboarding.why.uploading");
    if (step() !== "identity" && step() !== "launch") return null;
    if (nameIsValid(p().name)) return null;
    return p().name.trim() === ""
      ? t("onboarding.why.name")
      : t("onboarding.why.badName", { max: MAX_NAME_LENGTH });
  };

  const launch = async () => {
    setLaunching(true);
    try {
      const { employee } = await api("POST /api/employees", {
        body: { name: p().name.trim(), role: p().role, tone: p().tone, skills: p().skills },
      });
      update({ employeeId: employee.id });
      setHired(employee);
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setLaunching(false);
    }
  };

  return (
    <Show when={ready()} fallback={<p>{t("common.loading")}</p>}>
      <p class="muted" aria-live="polite">
        {t("onboarding.step", { n: p().step + 1, total: STEPS.length })}
      </p>
      <ol class="progress" aria-hidden="true">
        <For each={STEPS}>
          {(_, i) => <li classList={{ done: i() < p().step, current: i() === p().step }} />}
        </For>
      </ol>
      <Switch>
        <Match when={step() === "skills"}>
          <RolePicker
            catalogue={props.catalogue}
            legend={t("onboarding.role")}
            value={p().role}
            onChange={(role) =>
              update({
                role,
                skills:
                  props.catalogue.roles.find((r) => r.id === role)?.defaultSkills ?? p().skills,
              })
            }
          />
          <SkillPicker
            catalogue={props.catalogue}
            legend={t("onboarding.skills")}
            value={p().skills}
            onChange={(skills) => update({ skills })}
          />
        </Match>
        <Match when={step() === "identity"}>
          <h2>{t("onboarding.identity")}</h2>
          <NameField
            label={t("onboarding.name")}
            value={p().name}
            onInput={(name) => update({ name })}
            describedBy="wizard-why"
          />
          <TonePicker
            catalogue={props.catalogue}
            label={t("onboarding.tone")}
            value={p().tone}
            onChange={(tone) => update({ tone })}
          />
        </Match>
        <Match when={step() === "educate"}>
          <h2>{t("onboarding.educate")}</h2>
          <p>{t("onboarding.educate.text")}</p>
          <KnowledgePanel
            folder="team"
            title={t("knowledge.team")}
            text={t("knowledge.team.text")}
            manage
            onBusy={setUploading}
          />
        </Match>
        <Match when={step() === "launch"}>
          <h2>{t("onboarding.launch")}</h2>
          <Show
            when={p().employeeId}
            fallback={
              <>
                <p>{t("onboarding.launch.text", { name: p().name, role: roleName() })}</p>
                <p class="muted">{t("onboarding.plan.trialNote")}</p>
              </>
            }
          >
            {(id) => <LaunchProgress id={id()} initial={hired()} />}
          </Show>
        </Match>
      </Switch>
      <Show when={!p().employeeId}>
        {/* One bar for every step: Back on the left (kept, hidden, on the first step) and the
            step's button on the right, so neither moves as the steps change. */}
        <div class="actions wizard-actions">
          <button
            class="button back"
            type="button"
            disabled={p().step === 0}
            aria-hidden={p().step === 0 ? "true" : undefined}
            onClick={() => update({ step: p().step - 1 })}
          >
            {t("onboarding.back")}
          </button>
          <Show
            when={step() === "launch"}
            fallback={
              <button
                class="button primary"
                type="button"
                disabled={blocked() !== null}
                aria-describedby={blocked() ? "wizard-why" : undefined}
                onClick={() => update({ step: p().step + 1 })}
              >
                {step() === "educate" ? t("onboarding.continue") : t("onboarding.next")}
              </button>
            }
          >
            <button
              class="button primary"
              type="button"
              disabled={launching() || blocked() !== null}
              aria-describedby={blocked() ? "wizard-why" : undefined}
              onClick={launch}
            >
              {launching()
                ? t("onboarding.launching")
                : t("onboarding.launchButton", { name: p().name.trim() })}
            </button>
          </Show>
        </div>
        <p id="wizard-why" class="wizard-why muted" aria-live="polite">
          {blocked() ?? ""}
        </p>
      </Show>
    </Show>
  );
}

// Follows the real provisioning steps from the live socket, step by step (the checklist), and
// opens the workspace by itself once the employee runs: the customer need not click or wait here.
export const OPEN_WORKSPACE_DELAY_MS = 1_500;

function LaunchProgress(props: { id: string; initial: Employee | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const placeholder: Employee = {
    id: props.id,
    name: "",
    role: "",
    tone: "",
    skills: [],
    status: "provisioning",
    statusReason: null,
    step: null,
    node: null,
    createdAt: "",
    updatedAt: "",
  };
  const live = createLiveEmployee(props.id, props.initial ?? placeholder);
  const finish = () => localStorage.removeItem(ONBOARDING_KEY);
  const workspace = `/employees/${props.id}`;
  createEffect(() => {
    if (live.employee().status !== "running") return;
    finish();
    // A moment to read "ready" and see the last step checked, then the workspace.
    const timer = setTimeout(() => navigate(workspace), OPEN_WORKSPACE_DELAY_MS);
    onCleanup(() => clearTimeout(timer));
  });
  return (
    <div class="launch-progress" data-testid="launch-progress">
      <StatusBadge status={live.employee().status} step={live.employee().step} />
      <LaunchChecklist
        employee={live.employee()}
        dropped={live.dropped()}
        onRetry={live.reconnect}
      />
      <Show when={live.employee().status === "error"}>
        <StatusReason status={live.employee().status} reason={live.employee().statusReason} />
      </Show>
      <Show when={live.employee().status === "running"}>
        <p class="ready" role="status">
          {t("onboarding.ready", { name: live.employee().name })}
        </p>
        <A class="button primary" href={workspace} onClick={finish}>
          {t("onboarding.open")}
        </A>
      </Show>
    </div>
  );
}
