import { createSignal, For, Show } from "solid-js";
import type { Autonomy } from "../../../edge/contract/approvals.ts";
import type { Employee } from "../../../edge/contract/employee.ts";
// From the zod-free module: the contract's approvals.ts stays in the chunk of the employee view.
import { AUTONOMY_LEVELS } from "../../../edge/protocol/trust-levels.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";
import "../styles/approvals.css";
import "../i18n/approvals-texts.ts";

// What an employee may do without asking (issue 18): ask first (every command waits for a
// person), ask when risky (what was "always allowed" runs, the rest waits), autonomous. Those who
// manage employees choose; the others read which it is.

/** The level an employee works in (a view without one: the default, as the column's). */
export const autonomyOf = (e: Employee): Autonomy => e.autonomy ?? "ask";

// Saving a level, the same from the picker and the suggestion: busy while it goes, the new view
// to the page, and a toast saying which level it is now (or why it was refused).
function createAutonomySave(props: { employee: Employee; onChange: (e: Employee) => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [busy, setBusy] = createSignal(false);
  const choose = async (autonomy: Autonomy) => {
    setBusy(true);
    try {
      const { employee } = await api("PATCH /api/employees/:id", {
        params: { id: props.employee.id },
        body: { autonomy },
      });
      props.onChange(employee);
      toast(t("autonomy.saved", { name: employee.name, level: t(`autonomy.${autonomy}`) }), "info");
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return { busy, choose };
}

export function AutonomyPicker(props: {
  employee: Employee;
  manages: boolean;
  onChange: (e: Employee) => void;
}) {
  const { t } = useI18n();
  const { busy, choose } = createAutonomySave(props);
  const current = () => autonomyOf(props.employee);
  return (
    <section class="card block" aria-labelledby="autonomy-title" data-testid="autonomy">
      <h2 id="autonomy-title">{t("autonomy.title", { name: props.employee.name })}</h2>
      <Show
        when={props.manages}
        fallback={
          <p data-testid="autonomy-read-only">
            {t("autonomy.current", {
              name: props.employee.name,
              level: t(`autonomy.${current()}`),
            })}
          </p>
        }
      >
        <fieldset class="autonomy-choices" disabled={busy()}>
          <legend class="visually-hidden">
            {t("autonomy.title", { name: props.employee.name })}
          </legend>
          <For each={AUTONOMY_LEVELS}>
            {(level) => (
              <label>
                <input
                  type="radio"
                  name="autonomy"
                  value={level}
                  checked={current() === level}
                  onChange={() => void choose(level)}
                />
                <span>
                  <strong>{t(`autonomy.${level}`)}</strong>
                  <span class="muted">{t(`autonomy.${level}.text`)}</span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
      </Show>
    </section>
  );
}

const dismissedKey = (id: string) => `iw:autonomy-suggestion:${id}`;

// After a run of approvals with none denied, the employee view suggests a wider level: one click
// takes it, "Not now" hides it in this browser until the suggestion changes.
export function AutonomySuggestion(props: { employee: Employee; onChange: (e: Employee) => void }) {
  const { t } = useI18n();
  const { busy, choose: accept } = createAutonomySave(props);
  const suggestion = () => props.employee.autonomySuggestion ?? null;
  const mark = () => {
    const s = suggestion();
    return s ? `${s.level}:${s.approvedInARow}` : "";
  };
  const [dismissed, setDismissed] = createSignal(
    typeof localStorage === "undefined"
      ? null
      : localStorage.getItem(dismissedKey(props.employee.id)),
  );
  const dismiss = () => {
    localStorage.setItem(dismissedKey(props.employee.id), mark());
    setDismissed(mark());
  };
  return (
    <Show when={suggestion() && dismissed() !== mark() ? suggestion() : null}>
      {(s) => (
        <div class="notice autonomy-suggestion" data-testid="autonomy-suggestion">
          <p>
            {t(`autonomy.suggest.${s().level}`, {
              name: props.employee.name,
              n: s().approvedInARow,
            })}
          </p>
          <div class="actions">
            <button
              class="button primary small"
              type="button"
              disabled={busy()}
              onClick={() => void accept(s().level)}
            >
              {t("autonomy.suggest.accept")}
            </button>
            <button class="button small" type="button" onClick={dismiss}>
              {t("autonomy.suggest.dismiss")}
            </button>
          </div>
        </div>
      )}
    </Show>
  );
}
