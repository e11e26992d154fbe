import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import type { LaunchStep } from "../../../edge/contract/launch.ts";
import { STEP_TEXT } from "../../../edge/contract/steps.ts";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import "../styles/launch.css";
import "../i18n/workspace-texts.ts";

// How often the elapsed times move on.
export const LAUNCH_TICK_MS = 1_000;

// A launch as the customer watches it (edge/contract/launch.ts): each step with a check, a
// spinner or a mark still to come, its time so far or what it took, what it usually takes, the
// place in line while no server has room, and that they need not wait here. When the live
// socket drops, the page may be out of date: it says so, with a Retry.
export function LaunchChecklist(props: {
  employee: Employee;
  dropped?: boolean;
  onRetry?: () => void;
}) {
  const { t, lang } = useI18n();
  const now = ticking();
  const seconds = duration(t);
  const took = (step: LaunchStep) => {
    if (!step.startedAt) return null;
    const end = step.endedAt ? Date.parse(step.endedAt) : now();
    return seconds(end - Date.parse(step.startedAt));
  };
  const name = (step: LaunchStep) =>
    catalogueText(lang, "step", step.id, { name: STEP_TEXT[step.id] }).name;
  return (
    <div class="launch" data-testid="launch">
      <Show when={props.dropped}>
        <div class="launch-dropped" role="alert">
          <span>{t("launch.dropped")}</span>
          <button type="button" class="button" onClick={() => props.onRetry?.()}>
            {t("launch.retry")}
          </button>
        </div>
      </Show>
      <Show when={props.employee.launch}>
        {(launch) => (
          <>
            <p class="launch-total">
              {t("launch.title", { name: props.employee.name })}{" "}
              <span class="launch-time">
                {seconds(
                  (launch().steps.some((s) => s.status === "failed")
                    ? Date.parse(
                        launch().steps.find((s) => s.status === "failed")?.endedAt ??
                          launch().startedAt,
                      )
                    : now()) - Date.parse(launch().startedAt),
                )}
              </span>
            </p>
            <ol class="launch-steps">
              <For each={launch().steps}>
                {(step) => (
                  <li class={`launch-step launch-${step.status}`} data-step={step.id}>
                    <span class="launch-mark" aria-hidden="true">
                      <Show when={step.status === "active"} fallback={MARK[step.status]}>
                        <span class="spinner" />
                      </Show>
                    </span>
                    <span class="launch-name">
                      {name(step)}
                      <span class="visually-hidden"> ({t(`launch.state.${step.status}`)})</span>
                    </span>
                    <span class="launch-detail">
                      <Show when={took(step)}>
                        {(time) => <span class="launch-elapsed">{time()}</span>}
                      </Show>
                      <Show when={step.status === "active" || step.status === "pending"}>
                        <span class="launch-usual">
                          {t("launch.usually", { time: seconds(step.expectedMs) })}
                        </span>
                      </Show>
                      <Show
                        when={
                          step.id === "waiting_for_server" &&
                          step.status === "active" &&
                          launch().queuePosition
                        }
                      >
                        {(n) => (
                          <span class="launch-queue">
                            {n() === 1 ? t("launch.queueNext") : t("launch.queue", { n: n() })}
                          </span>
                        )}
                      </Show>
                    </span>
                  </li>
                )}
              </For>
            </ol>
            <Show when={launch().readyEmail && props.employee.status === "provisioning"}>
              <p class="launch-leave">{t("launch.leave", { name: props.employee.name })}</p>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}

// The launch in one line, for the dashboard's card: which step of how many, for how long, and
// the place in line while waiting for a server.
export function LaunchSummary(props: { employee: Employee }) {
  const { t } = useI18n();
  const now = ticking();
  const seconds = duration(t);
  return (
    <Show when={props.employee.status === "provisioning" && props.employee.launch}>
      {(launch) => {
        const active = () => launch().steps.findIndex((s) => s.status === "active");
        return (
          <p class="muted launch-summary" data-testid="launch-summary">
            {t("launch.summary", {
              n: Math.max(1, active() + 1),
              total: launch().steps.length,
              time: seconds(now() - Date.parse(launch().startedAt)),
            })}
            <Show when={launch().queuePosition}>
              {(n) => ` · ${n() === 1 ? t("launch.queueNext") : t("launch.queue", { n: n() })}`}
            </Show>
          </p>
        );
      }}
    </Show>
  );
}

// The time now, moving on every LAUNCH_TICK_MS while the component is shown.
function ticking() {
  const [now, setNow] = createSignal(Date.now());
  onMount(() => {
    const tick = setInterval(() => setNow(Date.now()), LAUNCH_TICK_MS);
    onCleanup(() => clearInterval(tick));
  });
  return now;
}

const duration =
  (t: ReturnType<typeof useI18n>["t"]) =>
  (ms: number): string => {
    const s = Math.max(0, Math.round(ms / 1000));
    return s < 60
      ? t("launch.seconds", { s })
      : t("launch.minutes", { m: Math.floor(s / 60), s: s % 60 });
  };

const MARK: Record<LaunchStep["status"], string> = {
  done: "✓",
  failed: "✕",
  pending: "○",
  active: "",
};
