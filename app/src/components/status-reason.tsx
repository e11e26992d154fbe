import { Show } from "solid-js";
import type { EmployeeStatus } from "../../../edge/contract/employee.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { reasonText } from "../lib/messages.ts";

// Why an employee is in its status, in the visitor's language, with the edge's own words kept
// as technical details where they are not.
export function StatusReason(props: {
  status: EmployeeStatus;
  reason: string | null;
  class?: string;
}) {
  const { t, lang } = useI18n();
  const r = () => reasonText(props.status, props.reason, t, lang);
  return (
    <Show when={r()}>
      {(x) => (
        <div class={props.class ?? "alert"} role="alert">
          <p>{x().text}</p>
          <Show when={x().detail}>
            <details>
              <summary>{t("reason.details")}</summary>
              <p lang="en">{x().detail}</p>
            </details>
          </Show>
        </div>
      )}
    </Show>
  );
}
