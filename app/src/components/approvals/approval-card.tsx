import { createSignal, Show } from "solid-js";
import type {
  ApprovalDecision,
  ApprovalStatus,
  ApprovalView,
} from "../../../../edge/contract/approvals.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { Dialog } from "../dialog.tsx";
import { conversationHref, outcomeText, wantsText } from "./approval-text.ts";
import { Countdown } from "./countdown.tsx";

// One request: who asks, what it would run and where, why OpenClaw warns, the conversation that
// led to it, when it expires; the three decisions for those who may decide, and once decided,
// what became of it. The command is shown whole, wrapped, in a monospace block that never makes
// the page wider than the phone.
export function ApprovalCard(props: {
  approval: ApprovalView;
  /** Its status now (one past its expiry is expired, whatever the last frame said). */
  status: ApprovalStatus;
  /** The viewer may decide (false: read-only, the page says why). */
  canDecide: boolean;
  focused: boolean;
  onDecide: (decision: ApprovalDecision, reason?: string) => Promise<void>;
}) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = createSignal(false);
  const [denying, setDenying] = createSignal(false);
  const [reason, setReason] = createSignal("");
  const a = () => props.approval;
  const pending = () => props.status === "pending";
  const decide = async (decision: ApprovalDecision, why?: string) => {
    setBusy(true);
    try {
      await props.onDecide(decision, why);
    } finally {
      setBusy(false);
    }
  };
  const title = () => wantsText(a(), t);
  return (
    <li
      class="card approval"
      id={`approval-${a().id}`}
      data-approval={a().id}
      data-status={props.status}
      data-focused={props.focused || undefined}
      tabindex="-1"
      aria-labelledby={`approval-title-${a().id}`}
    >
      <div class="approval-head">
        <h3 id={`approval-title-${a().id}`}>
          <a href={`/employees/${encodeURIComponent(a().employeeId)}`}>{title()}</a>
        </h3>
        <Show when={!pending()}>
          <span class="badge" data-tone={props.status === "allowed" ? "success" : "danger"}>
            {t(`approvals.status.${props.status}`)}
          </span>
        </Show>
      </div>
      <pre class="approval-command" data-testid="command">
        <code>{a().details.command}</code>
      </pre>
      <Show when={a().details.warning}>
        {(w) => (
          <p class="notice" data-tone="warning" data-testid="warning">
            {t("approvals.warning", { warning: w() })}
          </p>
        )}
      </Show>
      <dl class="approval-facts">
        <Show when={a().details.cwd}>
          {(cwd) => (
            <div>
              <dt>{t("approvals.cwd")}</dt>
              <dd>
                <code>{cwd()}</code>
              </dd>
            </div>
          )}
        </Show>
        <div>
          <dt>{t("approvals.conversation")}</dt>
          <dd>
            <Show
              when={conversationHref(a())}
              fallback={a().scheduleId ? t("approvals.scheduled") : t("approvals.ownWork")}
            >
              {(href) => (
                <a href={href()} data-testid="conversation-link">
                  {a().conversationTitle || t("approvals.conversationUntitled")}
                </a>
              )}
            </Show>
          </dd>
        </div>
        <div>
          <dt>{t("approvals.asked")}</dt>
          <dd>{formatDateTime(a().requestedAt, lang)}</dd>
        </div>
        <Show when={pending()}>
          <div>
            <dt>{t("approvals.expires")}</dt>
            <dd>
              <Countdown until={a().expiresAt} />
            </dd>
          </div>
        </Show>
      </dl>
      <Show when={!pending()}>
        <p class="approval-outcome" data-testid="outcome">
          {outcomeText(a(), t)}
          <Show when={a().reason}>
            {(r) => <span class="muted"> {t("approvals.reason", { reason: r() })}</span>}
          </Show>
        </p>
      </Show>
      <Show when={pending() && props.canDecide}>
        {/* biome-ignore lint/a11y/useSemanticElements: a group of buttons, not a form's fieldset */}
        <div
          class="actions"
          role="group"
          aria-label={t("approvals.decisionsFor", { name: a().employeeName })}
        >
          <button
            class="button primary"
            type="button"
            disabled={busy()}
            onClick={() => decide("allow-once")}
          >
            {t("approvals.allowOnce")}
          </button>
          <button
            class="button"
            type="button"
            disabled={busy()}
            onClick={() => decide("allow-always")}
          >
            {t("approvals.allowAlways")}
          </button>
          <button
            class="button danger"
            type="button"
            disabled={busy()}
            onClick={() => setDenying(true)}
          >
            {t("approvals.deny")}
          </button>
        </div>
      </Show>
      <Show when={denying()}>
        <Dialog
          title={t("approvals.denyTitle", { name: a().employeeName })}
          onClose={() => setDenying(false)}
        >
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setDenying(false);
              void decide("deny", reason().trim() || undefined);
            }}
          >
            <p>{t("approvals.denyText", { name: a().employeeName })}</p>
            <label class="field">
              <span>{t("approvals.denyReason")}</span>
              <textarea
                name="reason"
                maxLength={500}
                rows={3}
                value={reason()}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </label>
            <div class="actions">
              <button class="button danger" type="submit">
                {t("approvals.deny")}
              </button>
              <button class="button" type="button" onClick={() => setDenying(false)}>
                {t("approvals.cancel")}
              </button>
            </div>
          </form>
        </Dialog>
      </Show>
    </li>
  );
}
