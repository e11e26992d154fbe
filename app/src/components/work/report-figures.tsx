import { For, Show } from "solid-js";
import {
  type ReportCard,
  type ReportFigures,
  WORK_KINDS,
} from "../../../../edge/contract/ledger.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { shiftWeek } from "./iso-week.ts";
import { count, hours, money } from "./work-text.ts";

/** Pieces of work of every kind together. */
export const workDone = (f: ReportFigures): number =>
  WORK_KINDS.reduce((n, k) => n + (f.work[k] ?? 0), 0);

// A week's figures, the same for an employee and for the team: work done (by kind), its cost,
// the approvals it asked for and how they went, and the hours it saved (the owner's estimate).
export function Figures(props: { figures: ReportFigures; testid?: string }) {
  const { t, lang } = useI18n();
  const f = () => props.figures;
  return (
    <dl class="report-figures" data-testid={props.testid}>
      <div>
        <dt>{t("report.work")}</dt>
        <dd data-figure="work">
          <strong>{count(workDone(f()), lang)}</strong>
          <ul class="report-kinds">
            <For each={WORK_KINDS.filter((k) => (f().work[k] ?? 0) > 0)}>
              {(k) => (
                <li data-kind={k}>
                  {t(`work.kind.${k}`)}: {count(f().work[k] ?? 0, lang)}
                </li>
              )}
            </For>
          </ul>
        </dd>
      </div>
      <div>
        <dt>{t("report.cost")}</dt>
        <dd data-figure="cost">
          <strong>{money(f().costCents, lang)}</strong>
        </dd>
      </div>
      <div>
        <dt>{t("report.approvals")}</dt>
        <dd data-figure="approvals">
          {t("report.approvalsText", {
            asked: count(f().approvalsRequested, lang),
            allowed: count(f().approvalsAllowed, lang),
            denied: count(f().approvalsDenied, lang),
          })}
        </dd>
      </div>
      <div>
        <dt>{t("report.saved")}</dt>
        <dd data-figure="saved">
          <strong>{t("report.hours", { n: hours(f().minutesSaved, lang) })}</strong>
        </dd>
      </div>
    </dl>
  );
}

// Which week is shown, and the weeks before and after it. The server says which week "this
// week" is (in the account's time zone); Next stops there.
export function WeekPicker(props: {
  report: ReportCard | undefined;
  /** The week asked for; undefined: this week. */
  week: string | undefined;
  onWeek: (week: string | undefined) => void;
}) {
  const { t, lang } = useI18n();
  // The week the server answered with when asked for none: this week.
  let current: string | undefined;
  const shown = () => {
    const r = props.report;
    if (r && props.week === undefined) current = r.week;
    return r?.week ?? props.week;
  };
  const go = (by: number) => {
    const w = shown();
    if (!w) return;
    const next = shiftWeek(w, by);
    props.onWeek(next === current ? undefined : next);
  };
  // Days in the report's own time zone; the week ends at `to` (the next Monday 00:00), so the
  // last day shown is the Sunday before it.
  const day = (iso: string, zone: string, less = 0) =>
    new Date(new Date(iso).getTime() - less).toLocaleDateString(lang, {
      dateStyle: "long",
      timeZone: zone,
    });
  return (
    <div class="week-picker">
      <button class="button small" type="button" disabled={!shown()} onClick={() => go(-1)}>
        ← {t("report.previous")}
      </button>
      <p class="week-label" aria-live="polite" data-testid="report-week">
        <Show when={props.report} fallback={shown() ?? ""}>
          {/* Wrapped, so the text follows the report (Show calls its child once). */}
          {(r) => (
            <>
              {t("report.week", {
                week: r().week,
                from: day(r().from, r().timeZone),
                to: day(r().to, r().timeZone, 1),
              })}
            </>
          )}
        </Show>
      </p>
      <button
        class="button small"
        type="button"
        disabled={!shown() || props.week === undefined}
        onClick={() => go(1)}
      >
        {t("report.next")} →
      </button>
    </div>
  );
}
