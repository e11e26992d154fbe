import { createSignal, Show } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { MAX_EMPLOYEE_BUDGET_CENTS } from "../../../../edge/contract/employee-input.ts";
import type { EmployeeBudget } from "../../../../edge/contract/ledger.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import { money } from "./work-text.ts";

/** 50 % more, in whole euros; from nothing, €5. */
export const raised = (limitCents: number): number =>
  Math.min(
    MAX_EMPLOYEE_BUDGET_CENTS,
    limitCents > 0 ? Math.ceil((limitCents * 1.5) / 100) * 100 : 500,
  );

// The employee's own AI budget this month: what it spent against its limit, a bar that turns
// to the warning tone at 80 % and the danger tone when spent (the words say it too), and for the
// owner (budgets.manage) a one-click raise by half, a limit to type, or none of its own.
export function BudgetBlock(props: {
  employee: Employee;
  budget: EmployeeBudget;
  role: TeamRole;
  onChange: (employee: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const owner = () => can(props.role, "budgets.manage");
  const b = () => props.budget;
  const percent = () => {
    const limit = b().limitCents;
    return limit ? Math.min(100, Math.round((b().spentCents / limit) * 100)) : 0;
  };
  const [euros, setEuros] = createSignal(
    b().limitCents === null ? "" : String((b().limitCents ?? 0) / 100),
  );
  const [busy, setBusy] = createSignal(false);
  const save = async (budgetCents: number | null) => {
    setBusy(true);
    try {
      const { employee } = await api("PATCH /api/employees/:id", {
        params: { id: props.employee.id },
        body: { budgetCents },
      });
      toast(
        budgetCents === null
          ? t("budget.removed", { name: props.employee.name })
          : t("budget.saved", { limit: money(budgetCents, lang) }),
        "info",
      );
      setEuros(budgetCents === null ? "" : String(budgetCents / 100));
      props.onChange(employee);
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  const typed = () => {
    const n = Number(euros().replace(",", "."));
    return euros().trim() && Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : null;
  };
  return (
    <section
      class="card block budget"
      aria-labelledby="budget-title"
      data-testid="budget"
      data-state={b().limitCents === null ? "none" : b().state}
    >
      <h3 id="budget-title">{t("budget.title")}</h3>
      <Show
        when={b().limitCents !== null}
        fallback={
          <>
            <p>{t("budget.spentOnly", { spent: money(b().spentCents, lang) })}</p>
            <p class="muted" data-testid="budget-none">
              {t("budget.none")}
            </p>
          </>
        }
      >
        <p data-testid="budget-figures">
          {t("budget.spentOf", {
            spent: money(b().spentCents, lang),
            limit: money(b().limitCents ?? 0, lang),
          })}
        </p>
        <div
          class="budget-bar"
          role="progressbar"
          aria-label={t("budget.title")}
          aria-valuemin="0"
          aria-valuemax="100"
          aria-valuenow={percent()}
          data-state={b().state}
        >
          <span style={{ width: `${percent()}%` }} />
        </div>
        <Show when={b().state !== "ok"}>
          <p
            class="notice"
            data-tone={b().state === "spent" ? "danger" : "warning"}
            data-testid="budget-state"
          >
            {b().state === "spent" ? t("budget.spent") : t("budget.warning")}
          </p>
        </Show>
      </Show>
      <Show
        when={owner()}
        fallback={
          <p class="muted small" data-testid="budget-owner-only">
            {t("budget.ownerOnly")}
          </p>
        }
      >
        <div class="budget-actions">
          <Show when={b().limitCents !== null}>
            <button
              class="button primary"
              type="button"
              disabled={busy() || (b().limitCents ?? 0) >= MAX_EMPLOYEE_BUDGET_CENTS}
              onClick={() => void save(raised(b().limitCents ?? 0))}
            >
              {t("budget.raise")}
            </button>
          </Show>
          <form
            class="inline-field"
            onSubmit={(e) => {
              e.preventDefault();
              const cents = typed();
              if (cents !== null) void save(Math.min(cents, MAX_EMPLOYEE_BUDGET_CENTS));
            }}
          >
            <label class="field">
              <span>{t("budget.limit")}</span>
              <input
                name="budget"
                inputmode="decimal"
                value={euros()}
                onInput={(e) => setEuros(e.currentTarget.value)}
              />
            </label>
            <button class="button" type="submit" disabled={busy() || typed() === null}>
              {t("budget.set")}
            </button>
          </form>
          <Show when={b().limitCents !== null}>
            <button
              class="button small"
              type="button"
              disabled={busy()}
              onClick={() => void save(null)}
            >
              {t("budget.remove")}
            </button>
          </Show>
        </div>
      </Show>
    </section>
  );
}
