import { For, Show } from "solid-js";
import type { ToolStep } from "../../../../edge/contract/chat.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import "../../i18n/workspace-texts.ts";

// What the employee did while answering, in the plain words the agent summarised ("Read
// IDENTITY.md"), folded into one line until opened; open while a step is still running.
export function ToolSteps(props: { steps: ToolStep[]; busy: boolean }) {
  const { t, tn } = useI18n();
  return (
    <Show when={props.steps.length > 0}>
      <details class="chat-tools" open={props.busy}>
        <summary>{tn("chat.tools", props.steps.length)}</summary>
        <ul>
          <For each={props.steps}>
            {(step) => (
              <li data-status={step.status} data-kind={step.kind}>
                {step.summary}
                <Show when={step.status === "running"}>
                  {" "}
                  <span class="muted">({t("chat.tool.running")})</span>
                </Show>
                <Show when={step.status === "failed"}>
                  {" "}
                  <span class="chat-tool-failed">({t("chat.tool.failed")})</span>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </details>
    </Show>
  );
}
