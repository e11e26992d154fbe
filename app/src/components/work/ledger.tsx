import { createEffect, createSignal, For, on, Show } from "solid-js";
import type { RequestQuery } from "../../../../edge/contract/endpoints.ts";
import {
  WORK_KINDS,
  WORK_OUTCOMES,
  type WorkEntryView,
  type WorkKind,
  type WorkOutcome,
} from "../../../../edge/contract/ledger.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { formatDateTime } from "../../lib/format.ts";
import type { Load } from "../../lib/load.ts";
import { LoadState } from "../load-state.tsx";
import { count, duration, money, outcomeText } from "./work-text.ts";

/** The ledger's filters: dates are the visitor's calendar days. */
export interface LedgerFilters {
  kind?: WorkKind | "";
  outcome?: WorkOutcome | "";
  from?: string;
  to?: string;
}
export const LEDGER_PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// Calendar days in the visitor's time zone → the instants the API filters by.
export function ledgerQuery(f: LedgerFilters): RequestQuery<"GET /api/employees/:id/ledger"> {
  const q: RequestQuery<"GET /api/employees/:id/ledger"> = {};
  if (f.kind) q.kind = f.kind;
  if (f.outcome) q.outcome = f.outcome;
  if (f.from && DAY.test(f.from)) q.from = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to && DAY.test(f.to)) q.to = new Date(`${f.to}T23:59:59.999`).toISOString();
  return q;
}

/** The CSV of the same filters, downloaded by the browser with the session. */
export function ledgerCsvHref(employeeId: string, f: LedgerFilters): string {
  const q = new URLSearchParams({ ...(ledgerQuery(f) as Record<string, string>), format: "csv" });
  return `/api/employees/${encodeURIComponent(employeeId)}/ledger?${q}`;
}

// The work ledger: every piece of the employee's work, newest first, 50 at a time ("Load more"
// asks for those before the last one shown), filtered by kind, outcome and days; the same
// filters as a CSV download. A table that becomes a card per entry on a phone (work.css).
export function Ledger(props: { employeeId: string; employeeName: string }) {
  const { t } = useI18n();
  const api = useApi();
  const [filters, setFilters] = createSignal<LedgerFilters>({});
  const [load, setLoad] = createSignal<Load<WorkEntryView[]>>({ state: "loading" });
  const [more, setMore] = createSignal(false);
  const [older, setOlder] = createSignal(false);
  let generation = 0;
  const fetchPage = (before?: string) => {
    const query = { ...ledgerQuery(filters()), limit: String(LEDGER_PAGE_SIZE) };
    return api("GET /api/employees/:id/ledger", {
      params: { id: props.employeeId },
      query: before ? { ...query, before } : query,
    });
  };
  const first = async () => {
    const mine = ++generation;
    setLoad({ state: "loading" });
    try {
      const { entries } = await fetchPage();
      if (mine !== generation) return;
      setLoad({ state: "ready", value: entries });
      setMore(entries.length >= LEDGER_PAGE_SIZE);
    } catch (error) {
      if (mine === generation) setLoad({ state: "error", error });
    }
  };
  const loadMore = async () => {
    const l = load();
    const last = l.state === "ready" ? l.value.at(-1) : undefined;
    if (!last || l.state !== "ready") return;
    const mine = generation;
    setOlder(true);
    try {
      const { entries } = await fetchPage(last.startedAt);
      if (mine !== generation) return;
      // An entry that started at the same instant as the last one shown may come again.
      const seen = new Set(l.value.map((e) => e.id));
      setLoad({ state: "ready", value: [...l.value, ...entries.filter((e) => !seen.has(e.id))] });
      setMore(entries.length >= LEDGER_PAGE_SIZE);
    } catch (error) {
      if (mine === generation) setLoad({ state: "error", error });
    } finally {
      setOlder(false);
    }
  };
  createEffect(
    on(
      () => JSON.stringify(filters()),
      () => void first(),
    ),
  );
  const set = (patch: LedgerFilters) => setFilters((f) => ({ ...f, ...patch }));
  const filtered = () => Object.values(filters()).some(Boolean);
  return (
    <section class="ledger-section" aria-labelledby="ledger-title">
      <h3 id="ledger-title">{t("work.ledger", { name: props.employeeName })}</h3>
      <form class="card filters ledger-filters" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          <span>{t("work.filter.kind")}</span>
          <select name="kind" onChange={(e) => set({ kind: e.currentTarget.value as WorkKind })}>
            <option value="">{t("work.filter.all")}</option>
            <For each={WORK_KINDS}>{(k) => <option value={k}>{t(`work.kind.${k}`)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>{t("work.filter.outcome")}</span>
          <select
            name="outcome"
            onChange={(e) => set({ outcome: e.currentTarget.value as WorkOutcome })}
          >
            <option value="">{t("work.filter.all")}</option>
            <For each={WORK_OUTCOMES}>
              {(o) => <option value={o}>{t(`work.outcome.${o}`)}</option>}
            </For>
          </select>
        </label>
        <label class="field">
          <span>{t("work.filter.from")}</span>
          <input type="date" name="from" onChange={(e) => set({ from: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>{t("work.filter.to")}</span>
          <input type="date" name="to" onChange={(e) => set({ to: e.currentTarget.value })} />
        </label>
        <div class="actions">
          <a
            class="button"
            href={ledgerCsvHref(props.employeeId, filters())}
            download="work.csv"
            data-testid="ledger-csv"
          >
            {t("work.csv")}
          </a>
        </div>
      </form>
      <LoadState
        load={load()}
        empty={filtered() ? t("work.emptyFiltered") : t("work.empty")}
        onRetry={() => void first()}
      >
        {(entries) => <LedgerTable entries={entries} />}
      </LoadState>
      <Show when={load().state === "ready" && more()}>
        <div class="actions">
          <button class="button" type="button" disabled={older()} onClick={() => void loadMore()}>
            {older() ? t("common.loading") : t("work.more")}
          </button>
        </div>
      </Show>
    </section>
  );
}

export function LedgerTable(props: { entries: WorkEntryView[] }) {
  const { t, lang } = useI18n();
  const cols = () => ({
    when: t("work.col.when"),
    kind: t("work.col.kind"),
    title: t("work.col.title"),
    duration: t("work.col.duration"),
    tokens: t("work.col.tokens"),
    cost: t("work.col.cost"),
    outcome: t("work.col.outcome"),
    approvals: t("work.col.approvals"),
  });
  return (
    <table class="ledger">
      <thead>
        <tr>
          <For each={Object.values(cols())}>{(c) => <th scope="col">{c}</th>}</For>
        </tr>
      </thead>
      <tbody>
        <For each={props.entries}>
          {(e) => (
            <tr data-entry={e.id} data-outcome={e.outcome}>
              <td data-label={cols().when}>
                <time datetime={e.startedAt}>{formatDateTime(e.startedAt, lang)}</time>
              </td>
              <td data-label={cols().kind}>{t(`work.kind.${e.kind}`)}</td>
              <td data-label={cols().title} class="wrap">
                {e.title}
              </td>
              <td data-label={cols().duration}>{duration(e.durationMs)}</td>
              <td data-label={cols().tokens}>{count(e.promptTokens + e.completionTokens, lang)}</td>
              <td data-label={cols().cost}>{money(e.costCents, lang)}</td>
              <td data-label={cols().outcome}>
                <span class="badge" data-tone={TONE[e.outcome]}>
                  {outcomeText(e.outcome, t)}
                </span>
              </td>
              <td data-label={cols().approvals}>
                {e.approvalsDenied
                  ? t("work.approvalsDenied", { n: e.approvals, denied: e.approvalsDenied })
                  : count(e.approvals, lang)}
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}

const TONE: Record<WorkOutcome, string> = {
  done: "success",
  failed: "danger",
  aborted: "warning",
  denied: "warning",
  skipped: "accent",
};
