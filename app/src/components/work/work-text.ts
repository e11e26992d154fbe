import { WORK_OUTCOMES, type WorkOutcome } from "../../../../edge/contract/ledger.ts";
import type { MessageKey } from "../../i18n/en.ts";
import type { Lang } from "../../i18n/i18n.tsx";

// The ledger's figures as the visitor's language writes them.

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** An outcome in words; one the app does not know yet as the server said it. */
export const outcomeText = (outcome: string, t: T): string =>
  (WORK_OUTCOMES as readonly string[]).includes(outcome)
    ? t(`work.outcome.${outcome as WorkOutcome}`)
    : outcome;

/** Euro cents (fractional: the gateway meters in micro-euros) as money; below a cent with more digits. */
export const money = (cents: number, lang: Lang): string =>
  new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-IE", {
    style: "currency",
    currency: "EUR",
    minimumFractionDigits: 2,
    maximumFractionDigits: cents > 0 && cents < 1 ? 4 : 2,
  }).format(cents / 100);

/** "850 ms", "12 s", "3 min 5 s", "1 h 2 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

export const count = (n: number, lang: Lang): string => n.toLocaleString(lang);

/** Minutes as hours, one decimal ("2.5", "2,5"). */
export const hours = (minutes: number, lang: Lang): string =>
  (minutes / 60).toLocaleString(lang, { maximumFractionDigits: 1 });
