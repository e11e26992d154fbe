import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import type { LaunchStep } from "../../../edge/contract/launch.ts";
import { STEP_TEXT } from "../../../edge/contract/steps.ts";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import "../styles/launch.css";

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
  const [now, setNow] = createSignal(Date.now());
  onMount(() => {
    const tick = setInterval(() => setNow(Date.now()), LAUNCH_TICK_MS);
    onCleanup(() => clearInterval(tick));
  });
  const seconds = (ms: number) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return s < 60
      ? t("launch.seconds", { s })
      : t("launch.minutes", { m: Math.floor(s / 60), s: s % 60 });
  };
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

const MARK: Record<LaunchStep["status"], string> = {
  done: "✓",
  failed: "✕",
  pending: "○",
  active: "",
};
