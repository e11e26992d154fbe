import { Cron } from "croner";

// A task's cron expression read as OpenClaw reads it (croner, the library and version its
// automations use): 5 fields, or 6 with seconds, in an IANA time zone. The edge refuses what
// OpenClaw would refuse, and what fires more often than the server allows.

/** Consecutive runs looked at for the shortest gap: a day's pattern repeats well within them. */
const RUNS_CHECKED = 120;

export type CronCheck = { ok: true } | { ok: false; message: string };

function parse(expr: string, timeZone: string): Cron | string {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return "Give 5 fields (minute hour day month weekday), or 6 with seconds first.";
  try {
    return new Cron(expr, { timezone: timeZone, mode: "5-or-6-parts", paused: true });
  } catch (err) {
    return `Not a cron expression: ${err instanceof Error ? err.message : String(err)}`.slice(
      0,
      300,
    );
  }
}

/** Whether `expr` is a cron expression that fires, never twice within `minSeconds`. */
export function checkCron(
  expr: string,
  timeZone: string,
  minSeconds: number,
  now: number,
): CronCheck {
  const cron = parse(expr, timeZone);
  if (typeof cron === "string") return { ok: false, message: cron };
  const runs = cron.nextRuns(RUNS_CHECKED, new Date(now));
  if (runs.length === 0) return { ok: false, message: "It never fires." };
  for (let i = 1; i < runs.length; i++) {
    const gap = ((runs[i]?.getTime() ?? 0) - (runs[i - 1]?.getTime() ?? 0)) / 1000;
    if (gap < minSeconds)
      return {
        ok: false,
        message: `It fires ${gap} s apart; at most once every ${minSeconds} s is allowed.`,
      };
  }
  return { ok: true };
}

/** When it fires next after `now`; null when it never will (or cannot be read). */
export function nextRunAt(expr: string, timeZone: string, now: number): Date | null {
  const cron = parse(expr, timeZone);
  return typeof cron === "string" ? null : cron.nextRun(new Date(now));
}
